# Sources of src/select, added to the core library.
