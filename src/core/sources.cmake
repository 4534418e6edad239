# Sources of src/core, added to the core library.
