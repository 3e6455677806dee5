"""The stand-in for the provincial 统一身份认证 (an OIDC provider), apart from the registers."""
