"""Infrastructure as code (AWS CDK): the data stack and the API stack of the SCRM backend."""
