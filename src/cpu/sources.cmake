# Sources of src/cpu, added to the core library.
