"""The self-service kiosk (自助端): sign in with an ID card and the face, then the web's own steps."""
