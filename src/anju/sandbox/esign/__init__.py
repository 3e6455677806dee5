"""The e-signature service (电子签名) stand-in: signs documents for a verified person."""
