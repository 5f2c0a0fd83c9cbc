"""Background jobs on arq: the queue, the worker, the embedded Redis of the zero-setup default."""
