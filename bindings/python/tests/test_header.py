"""Enumerations and status values of the binding against include/descent.h."""

import re

import descent
from descent import _enums
from descent._ffi import C

from conftest import HEADER


def header_enums():
    text = re.sub(r"/\*.*?\*/", "", open(HEADER).read(), flags=re.S)
    out = {}
    for m in re.finditer(r"typedef enum (\w+)\s*\{(.*?)\}\s*\w+;", text, flags=re.S):
        out[m.group(1)] = {a: int(b) for a, b in re.findall(r"(\w+)\s*=\s*(-?\d+)", m.group(2))}
    return out


def test_every_header_enum_is_mirrored():
    enums = header_enums()
    assert set(enums) == set(_enums.C_ENUMS), "enums of descent.h and of _enums.py differ"
    for cname, values in enums.items():
        cls, prefix = _enums.C_ENUMS[cname]
        py = {prefix + m.name: m.value for m in cls}
        assert py == values, cname


def test_status_names_match_the_library():
    for st in descent.Status:
        assert C.dsc_status_name(st).decode() == "DSC_" + st.name
    assert C.dsc_status_name(12345).decode() == "DSC_E_UNKNOWN"


def test_hparam_names_match_the_library():
    from descent.optim import KEY_OF
    for name, key in KEY_OF.items():
        cname = C.dsc_optimizer_param_name(key).decode()
        if name in ("beta1", "beta2"):
            assert cname in (name, "betas[%s]" % (int(name[-1]) - 1), "betas"), (name, cname)
        elif name in ("clip_norm",):
            assert cname in ("clip_norm", "max_norm"), cname
        else:
            assert cname == name, (name, cname)
