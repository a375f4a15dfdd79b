"""The WeCom callback inbox: verify, decrypt, store once, then act."""
