"""Legal logic of letting as pure functions: the priority ranking and the verifiable lottery."""
