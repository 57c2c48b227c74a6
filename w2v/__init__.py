"""w2v: fast, faithful word2vec from the command line and from Python."""

__version__ = "0.1.0"
