"""The SMS gateway stand-in (短信平台): takes messages from the platform and shows what it received."""
