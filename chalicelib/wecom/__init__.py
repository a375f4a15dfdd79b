"""WeCom integration: callback crypto, the API client and its token cache."""
