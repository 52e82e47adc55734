"""Parameter validation with scikit-learn's behaviour and wording.

As in scikit-learn, each public class declares what its parameters may be in
one table, the class attribute ``_parameter_constraints``, and checks them
when ``fit`` starts (never in ``__init__``, which only stores them). A value
that fits none of its parameter's constraints raises
:class:`InvalidParameterError`, whose message names the parameter, what it
may be and what it got::

    The 'dropout' parameter of CNNClassifier must be a float in the range
    [0.0, 1.0). Got 1.5 instead.

This is a small module of skfashion's own rather than scikit-learn's private
``sklearn.utils._param_validation``, which it follows except in this: a bool
is not a number here. ``True`` is rejected where an int or a float is
expected (scikit-learn's ``Interval(Integral, 1, None)`` takes it, bool being
a subclass of int); NumPy integers and floats are accepted. Nor is there a
way to skip validation (scikit-learn's ``skip_parameter_validation``): it
costs microseconds, next to seconds of training.

A table maps each parameter name to a list of constraints; a value is valid
if it satisfies any one of them. A constraint is one of:

- a :class:`Constraint`: :class:`Interval`, :class:`Options`,
  :class:`StrOptions`, :class:`InstanceOf`, :class:`SubclassOf`,
  :class:`SequenceOf`, :class:`MappingOf`, :class:`NameOf` or :class:`Hint`;
- ``None``, for the value None;
- a type, for its instances;
- ``"boolean"`` (a bool or a NumPy bool), ``"array-like"`` (a list, tuple,
  array, DataFrame..., not a scalar or a string) or ``"random_state"`` (an
  int in [0, 2**32 - 1], a RandomState instance or None).

Estimators validate with :func:`check_parameters` in their
``_check_params`` method, which :func:`validated_fit` calls before their
``fit`` runs; functions are decorated with :func:`validate_params`.
"""

from __future__ import annotations

import functools
import inspect
import math
import operator
from collections.abc import Callable, Iterable
from numbers import Integral, Real

import numpy as np

__all__ = [
    "Constraint",
    "Hint",
    "InstanceOf",
    "Interval",
    "InvalidParameterError",
    "MappingOf",
    "NameOf",
    "Options",
    "SequenceOf",
    "StrOptions",
    "SubclassOf",
    "check_parameters",
    "make_constraint",
    "validate_parameter_constraints",
    "validate_params",
    "validated_fit",
]


class InvalidParameterError(ValueError, TypeError):
    """A parameter of a class or function has an invalid type or value.

    A ValueError and a TypeError, as scikit-learn's error of the same name,
    so that code catching either keeps working.
    """


# ------------------------------------------------------------------ checking
def validate_parameter_constraints(
    parameter_constraints: dict, params: dict, caller_name: str
) -> None:
    """Check ``params`` against ``parameter_constraints``.

    Parameters
    ----------
    parameter_constraints : dict
        ``{name: list of constraints}``; see the module docstring. Parameters
        without an entry are not checked.
    params : dict
        ``{name: value}``, the parameters to check.
    caller_name : str
        The class or function the parameters belong to, for the message.

    Raises
    ------
    InvalidParameterError
        For the first parameter whose value satisfies none of its constraints.
    """
    for name, value in params.items():
        if name not in parameter_constraints:
            continue
        constraints = [make_constraint(c) for c in parameter_constraints[name]]
        if any(c.is_satisfied_by(value) for c in constraints):
            continue
        shown = [str(c) for c in constraints if not isinstance(c, Hint)]
        allowed = shown[-1] if len(shown) == 1 else _or_list(shown)
        message = (
            f"The {name!r} parameter of {caller_name} must be {allowed}. "
            f"Got {value!r} instead."
        )
        for hint in constraints:
            if isinstance(hint, Hint) and hint.applies_to(value):
                message += " " + hint.message
        raise InvalidParameterError(message)


def _or_list(texts: list[str]) -> str:
    """The texts as "a, b or c", the way scikit-learn lists allowed values."""
    return f"{', '.join(texts[:-1])} or {texts[-1]}"


def check_parameters(obj) -> None:
    """Check an object's parameters against its class's ``_parameter_constraints``.

    The parameters are the object's attributes named in the table, so this
    works for estimators and for Keras callbacks alike.

    Parameters
    ----------
    obj : object
        An instance of a class with a ``_parameter_constraints`` table.
    """
    constraints = type(obj)._parameter_constraints
    params = {name: getattr(obj, name) for name in constraints}
    validate_parameter_constraints(constraints, params, type(obj).__name__)


def validated_fit(fit_method: Callable) -> Callable:
    """Decorate a ``fit`` method: ``self._check_params()`` runs first.

    scikit-learn's ``_fit_context`` idea: the parameters are checked before
    the data and before anything is built, on every call (a ``partial_fit``
    too: checking is cheap next to training, and ``set_params`` may have
    changed them since the last call).
    """

    @functools.wraps(fit_method)
    def wrapper(self, *args, **kwargs):
        self._check_params()
        return fit_method(self, *args, **kwargs)

    return wrapper


def validate_params(parameter_constraints: dict) -> Callable:
    """Decorate a function: check its arguments before it runs.

    Parameters
    ----------
    parameter_constraints : dict
        ``{argument name: list of constraints}``; every name must be an
        argument of the function.

    Returns
    -------
    decorator : callable
        The decorator. The decorated function keeps the table as its
        ``_parameter_constraints`` attribute.
    """

    def decorator(function: Callable) -> Callable:
        signature = inspect.signature(function)
        unknown = set(parameter_constraints) - set(signature.parameters)
        if unknown:
            raise ValueError(
                f"Constraints for {sorted(unknown)}, which are not arguments of "
                f"{function.__qualname__}."
            )

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            validate_parameter_constraints(
                parameter_constraints, bound.arguments, function.__qualname__
            )
            return function(*args, **kwargs)

        wrapper._parameter_constraints = parameter_constraints
        return wrapper

    return decorator


# --------------------------------------------------------------- constraints
class Constraint:
    """What a valid value may be: a test and its description."""

    def is_satisfied_by(self, value) -> bool:
        """Whether ``value`` satisfies this constraint."""
        raise NotImplementedError

    def __str__(self) -> str:
        """The description, completing "The 'x' parameter of Y must be ..."."""
        raise NotImplementedError


def make_constraint(constraint) -> Constraint:
    """A table entry (a Constraint, None, a type or a keyword) as a Constraint."""
    if isinstance(constraint, Constraint):
        return constraint
    if constraint is None:
        return _NoneConstraint()
    if isinstance(constraint, type):
        return InstanceOf(constraint)
    if not isinstance(constraint, str):
        raise ValueError(f"Unknown constraint: {constraint!r}.")
    if constraint == "boolean":
        return _Booleans()
    if constraint == "array-like":
        return _ArrayLikes()
    if constraint == "random_state":
        return _AnyOf(
            [
                Interval(Integral, 0, 2**32 - 1, closed="both"),
                InstanceOf(np.random.RandomState, "numpy.random.RandomState"),
                _NoneConstraint(),
            ]
        )
    raise ValueError(f"Unknown constraint: {constraint!r}.")


def _is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_))


class Interval(Constraint):
    """Numbers of a type between two bounds.

    Parameters
    ----------
    type : {numbers.Integral, numbers.Real}
        Integral takes Python and NumPy integers; Real takes those and
        floats. Neither takes a bool.
    left, right : int, float or None
        The bounds; None for -inf or inf.
    closed : {"left", "right", "both", "neither"}
        Which bounds belong to the interval: ``"left"`` is [left, right).
    """

    def __init__(self, type, left, right, *, closed: str):
        if type not in (Integral, Real):
            raise ValueError(
                f"type must be numbers.Integral or numbers.Real, got {type!r}."
            )
        if closed not in ("left", "right", "both", "neither"):
            raise ValueError(
                f"closed must be 'left', 'right', 'both' or 'neither', got {closed!r}."
            )
        if left is not None and right is not None and right <= left:
            raise ValueError(
                f"right must be greater than left, got {left} and {right}."
            )
        self.type = type
        self.left = left
        self.right = right
        self.closed = closed

    def is_satisfied_by(self, value) -> bool:
        if _is_bool(value) or not isinstance(value, self.type):
            return False
        if self.type is Real and math.isnan(value):
            return False
        # As in scikit-learn: a missing bound is infinite, and an open end
        # at infinity leaves infinity out.
        left = -math.inf if self.left is None else self.left
        right = math.inf if self.right is None else self.right
        below = operator.lt if self.closed in ("left", "both") else operator.le
        above = operator.gt if self.closed in ("right", "both") else operator.ge
        return not (below(value, left) or above(value, right))

    def __str__(self) -> str:
        def bound(value, infinite: str) -> str:
            if value is None:
                return infinite
            return str(value if self.type is Integral else float(value))

        opening = "[" if self.closed in ("left", "both") else "("
        closing = "]" if self.closed in ("right", "both") else ")"
        kind = "an int" if self.type is Integral else "a float"
        low, high = bound(self.left, "-inf"), bound(self.right, "inf")
        return f"{kind} in the range {opening}{low}, {high}{closing}"


class Options(Constraint):
    """A finite set of values of a type.

    Parameters
    ----------
    type : type
        The values' type.
    options : iterable
        The values, shown in this order (a set is shown sorted).
    """

    def __init__(self, type, options: Iterable):
        self.type = type
        self.options = tuple(sorted(options) if isinstance(options, set) else options)

    def is_satisfied_by(self, value) -> bool:
        return isinstance(value, self.type) and value in self.options

    def __str__(self) -> str:
        options = ", ".join(repr(option) for option in self.options)
        return f"a {_type_name(self.type)} among {{{options}}}"


class StrOptions(Options):
    """A finite set of strings.

    Parameters
    ----------
    options : iterable of str
        The strings, shown in this order (a set is shown sorted).
    """

    def __init__(self, options: Iterable[str]):
        super().__init__(str, options)


class InstanceOf(Constraint):
    """Instances of a type.

    Parameters
    ----------
    type : type
        The type.
    name : str, default=None
        The type's name in messages, for example its public path
        ``"keras.callbacks.Callback"``; by default its module and name.
    """

    def __init__(self, type, name: str | None = None):
        self.type = type
        self.name = name or _type_name(type)

    def is_satisfied_by(self, value) -> bool:
        return isinstance(value, self.type)

    def __str__(self) -> str:
        return f"an instance of {self.name!r}"


class SubclassOf(InstanceOf):
    """Classes that are a type or a subclass of it.

    Parameters
    ----------
    type : type
        The base class.
    name : str, default=None
        The base class's name in messages; by default its module and name.
    """

    def is_satisfied_by(self, value) -> bool:
        return isinstance(value, type) and issubclass(value, self.type)

    def __str__(self) -> str:
        return f"a subclass of {self.name!r}"


class SequenceOf(Constraint):
    """A tuple or list whose items each satisfy one of some constraints.

    Parameters
    ----------
    items : constraint or list of constraints
        What each item may be (entries as in a table).
    min_length : int, default=0
        The fewest items; 1 for a non-empty sequence.
    lengths : tuple of int, default=None
        The allowed numbers of items, if only some are.
    """

    def __init__(self, items, *, min_length: int = 0, lengths=None):
        items = items if isinstance(items, list) else [items]
        self.items = [make_constraint(item) for item in items]
        self.min_length = min_length
        self.lengths = None if lengths is None else tuple(lengths)

    def is_satisfied_by(self, value) -> bool:
        if not isinstance(value, (tuple, list)) or len(value) < self.min_length:
            return False
        if self.lengths is not None and len(value) not in self.lengths:
            return False
        return all(any(c.is_satisfied_by(item) for c in self.items) for item in value)

    def __str__(self) -> str:
        items = " or ".join(str(c) for c in self.items)
        if self.lengths is not None:
            counts = " or ".join(str(n) for n in self.lengths)
            return f"a tuple or list of {counts} items, each {items}"
        if self.min_length == 1:
            return f"a non-empty tuple or list, each item {items}"
        if self.min_length > 1:
            return f"a tuple or list of at least {self.min_length} items, each {items}"
        return f"a tuple or list, each item {items}"


class MappingOf(Constraint):
    """A dict whose values each satisfy one of some constraints; any keys.

    Parameters
    ----------
    values : constraint or list of constraints
        What each value may be (entries as in a table).
    """

    def __init__(self, values):
        values = values if isinstance(values, list) else [values]
        self.values = [make_constraint(value) for value in values]

    def is_satisfied_by(self, value) -> bool:
        return isinstance(value, dict) and all(
            any(c.is_satisfied_by(v) for c in self.values) for v in value.values()
        )

    def __str__(self) -> str:
        values = " or ".join(str(c) for c in self.values)
        return f"a dict with each value {values}"


class NameOf(Constraint):
    """Strings that a lookup function knows, such as Keras' optimizer names.

    Parameters
    ----------
    lookup : callable
        Takes a name and raises an exception for an unknown one, as
        ``keras.optimizers.get`` does. Called at validation time only, so
        making the table imports nothing. Names it accepted are remembered,
        unknown ones are looked up again (they may be registered later).
    description : str
        What the string names, for example ``"a Keras optimizer, such as
        'adamw' or 'sgd'"``.
    """

    def __init__(self, lookup: Callable, description: str):
        self.lookup = lookup
        self.description = description
        self._known: set[str] = set()

    def is_satisfied_by(self, value) -> bool:
        if not isinstance(value, str):
            return False
        if value not in self._known:
            try:
                self.lookup(value)
            except Exception:
                return False
            self._known.add(value)
        return True

    def __str__(self) -> str:
        return f"a str naming {self.description}"


class Hint(Constraint):
    """Advice added to the error for values that satisfy ``constraint``.

    Not an allowed value: it is left out of the list of what the parameter
    may be. For example ``Hint("boolean", "Pass the patience as an int.")``
    explains why ``early_stopping=True`` is refused.

    Parameters
    ----------
    constraint : constraint
        The values the advice is for (an entry as in a table).
    message : str
        The advice, one or more full sentences.
    """

    def __init__(self, constraint, message: str):
        self.constraint = make_constraint(constraint)
        self.message = message

    def is_satisfied_by(self, value) -> bool:
        return False

    def applies_to(self, value) -> bool:
        """Whether the advice is about ``value``."""
        return self.constraint.is_satisfied_by(value)

    def __str__(self) -> str:
        return f"not {self.constraint} ({self.message})"


class _NoneConstraint(Constraint):
    def is_satisfied_by(self, value) -> bool:
        return value is None

    def __str__(self) -> str:
        return "None"


class _Booleans(Constraint):
    def is_satisfied_by(self, value) -> bool:
        return _is_bool(value)

    def __str__(self) -> str:
        # scikit-learn says "an instance of 'bool' or an instance of
        # 'numpy.bool'", which reads badly in a list of alternatives.
        return "a bool"


class _ArrayLikes(Constraint):
    def is_satisfied_by(self, value) -> bool:
        # scikit-learn's test: something with a length, shape or __array__,
        # but not a scalar (which a string is, for NumPy).
        has_length = any(hasattr(value, a) for a in ("__len__", "shape", "__array__"))
        return has_length and not np.isscalar(value)

    def __str__(self) -> str:
        return "an array-like"


class _AnyOf(Constraint):
    """Several constraints under one keyword, such as "random_state"."""

    def __init__(self, constraints: list[Constraint]):
        self.constraints = constraints

    def is_satisfied_by(self, value) -> bool:
        return any(c.is_satisfied_by(value) for c in self.constraints)

    def __str__(self) -> str:
        return _or_list([str(c) for c in self.constraints])


def _type_name(type_) -> str:
    if type_ is Integral:
        return "int"
    if type_ is Real:
        return "float"
    if type_.__module__ == "builtins":
        return type_.__qualname__
    return f"{type_.__module__}.{type_.__qualname__}"
