# Sources of src/check (fp64 reference and error metrics), added to the core library.
