"""The sandbox's face verification service (人脸身份认证), standing in for the province's."""
