"""The FFI table against the DSC_API declarations of include/descent.h."""

import ctypes
import re

import descent
from descent import _ffi

from conftest import HEADER


def header_functions():
    """name -> (return type, [parameter types]) of every DSC_API declaration."""
    text = open(HEADER).read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"#[^\n]*(\\\n[^\n]*)*", "", text)   # preprocessor lines
    out = {}
    for m in re.finditer(r"DSC_API\s+([^;(]*?)\b(dsc_\w+)\s*\(([^)]*)\)\s*;", text, flags=re.S):
        ret = " ".join(m.group(1).split())
        params = " ".join(m.group(3).split())
        params = [] if params in ("void", "") else [p.strip() for p in params.split(",")]
        out[m.group(2)] = (ret, params)
    return out


def test_header_parse_finds_functions():
    funcs = header_functions()
    assert len(funcs) > 100
    assert "dsc_optimizer_step" in funcs


def test_table_has_every_function_once():
    names = [f[0] for f in _ffi.FUNCTIONS]
    assert len(names) == len(set(names)), "a function is listed twice"
    header = header_functions()
    missing = sorted(set(header) - set(names))
    extra = sorted(set(names) - set(header))
    assert not missing, "functions of descent.h without a line in _ffi.FUNCTIONS: %s" % missing
    assert not extra, "functions in _ffi.FUNCTIONS that descent.h does not declare: %s" % extra


def callback_typedefs():
    text = re.sub(r"/\*.*?\*/", "", open(HEADER).read(), flags=re.S)
    return set(re.findall(r"typedef[^;()]*\(\s*\*\s*(\w+)\s*\)", text))


def test_table_signatures_match_header():
    header = header_functions()
    callbacks = callback_typedefs()
    assert {"dsc_alloc_fn", "dsc_lr_lambda_fn"} <= callbacks
    for name, argtypes, restype, errcheck in _ffi.FUNCTIONS:
        ret, params = header[name]
        assert len(argtypes) == len(params), "%s: %d argtypes, header has %d parameters" % (
            name, len(argtypes), len(params))
        if ret == "dsc_status":
            assert errcheck is _ffi.check_status, name
            assert restype is ctypes.c_int, name
        else:
            assert errcheck is None, name
            if ret == "void":
                assert restype is None, name
            elif ret == "size_t":
                assert restype is ctypes.c_size_t, name
            elif ret == "int":
                assert restype is ctypes.c_int, name
            elif ret == "unsigned":
                assert restype is ctypes.c_uint, name
            elif ret == "const char *":
                assert restype is ctypes.c_char_p, name
            elif ret.endswith("*"):
                assert restype is not None and issubclass(restype, ctypes._Pointer), name
        for argtype, param in zip(argtypes, params):
            p = param.replace("const ", "")
            if p.split()[0] in callbacks:
                assert hasattr(argtype, "_flags_"), (name, param)       # a CFUNCTYPE
            elif "**" in p:
                assert issubclass(argtype, ctypes._Pointer), (name, param)
            elif "*" in p:
                base = p.split("*")[0].strip()
                want = {"float": _ffi.float_p, "double": _ffi.double_p, "size_t": _ffi.size_p,
                        "int32_t": _ffi.int32_p, "int64_t": _ffi.int64_p, "uint64_t": _ffi.uint64_p,
                        "int": _ffi.int_p, "char": ctypes.c_char_p, "void": ctypes.c_void_p}
                if base in want:
                    assert argtype is want[base], (name, param)
                elif base.startswith("dsc_") and base.endswith(("_kind", "_kind_t")):
                    assert argtype is _ffi.enum_p, (name, param)
                else:                                    # an opaque handle
                    assert argtype is ctypes.c_void_p, (name, param)
            else:
                base = p.split()[0]
                want = {"size_t": ctypes.c_size_t, "double": ctypes.c_double,
                        "float": ctypes.c_float, "uint64_t": ctypes.c_uint64,
                        "int": ctypes.c_int}
                if base in want:
                    assert argtype is want[base], (name, param)
                elif base.startswith("dsc_"):
                    assert argtype is ctypes.c_int, (name, param)   # an enum


def test_every_function_is_in_the_library():
    for name, *_ in _ffi.FUNCTIONS:
        f = getattr(_ffi.C, name)
        assert not isinstance(f, _ffi._Missing), "%s is not exported by the loaded library" % name


def test_version_check_and_version():
    assert descent.__version__ == "0.2.0"
    from descent import _lib
    assert _lib.REQUIRED_MAJOR == 0
    v = descent.lib_version()
    major, minor = (int(x) for x in v.split(".")[:2])
    assert major == _lib.REQUIRED_MAJOR and minor == _lib.REQUIRED_MINOR
    assert descent.isa() in ("scalar", "sse2", "avx2", "avx512", "neon")
