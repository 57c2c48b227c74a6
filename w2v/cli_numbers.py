"""The number types of every command-line option: numbers as word2vec.c reads them.

click's own INT and FLOAT convert with Python's int() and float(), which also take "1_0"
(10, where word2vec.c's atoi reads 1) and the digits of other scripts ("\u0665" is 5): a
typo in a Makefile would train with a number nobody wrote. These types accept a string
only if C would read all of it as a number (w2v.cfloat), then convert and range-check it
as click does. A test checks that no command's option uses click's own number types.
"""
import click

from .cfloat import c_float, c_int


class _CNumber:
    """Mixin before a click number type: refuse a string that C would not read whole
    (`read`, w2v.cfloat's c_int or c_float, named `what` in the error)."""

    def convert(self, value, param, ctx):
        if isinstance(value, str):
            try:
                self.read(value)
            except ValueError:
                self.fail(f"{value!r} is not {self.what}.", param, ctx)
        return super().convert(value, param, ctx)


class _CInt(_CNumber):
    what = "a valid integer"
    read = staticmethod(c_int)


class _CFloat(_CNumber):
    what = "a valid number"
    read = staticmethod(c_float)


class Int(_CInt, click.types.IntParamType):
    pass


class Float(_CFloat, click.types.FloatParamType):
    pass


class IntRange(_CInt, click.IntRange):
    pass


class FloatRange(_CFloat, click.FloatRange):
    pass


INT = Int()
FLOAT = Float()
