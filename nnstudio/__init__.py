"""nnstudio: learn how neural networks train by building one and watching it learn."""

__version__ = "0.1.0"
