"""python3 -m descent.conform FILE.ref...

Replays PyTorch golden cases (the `descent-ref 1` format of
tests/conform/ref.h; kinds optimizer, scheduler and network) through
the Python API alone, and prints what build/descent-conform prints: "PASS id"
or "FAIL id: reason" per case, then "N passed, M failed"; exits 1 on any
failure or malformed file, 2 without arguments. Works with or without NumPy.
"""

import array
import inspect
import math
import os
import re
import sys

import descent
from descent import _buf
from descent._check import Raw
from descent import lr_scheduler as _sched
from descent import optim as _optim

RTOL, ATOL = 1e-4, 1e-5
SCHED_RTOL, SCHED_ATOL = 1e-4, 5e-5
LONG_MIN, LONG_MAX = -(1 << 63), (1 << 63) - 1

_DEC = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_HEX = re.compile(r"^[+-]?0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)([pP][+-]?\d+)?$")
_INT = re.compile(r"^[+-]?\d+$")


def parse_double(s):
    """strtod over the whole token, finite: the value, or None."""
    try:
        if _DEC.match(s):
            v = float(s)
        elif _HEX.match(s):
            v = float.fromhex(s)
        else:
            return None
    except (ValueError, OverflowError):
        return None
    return v if math.isfinite(v) else None


def parse_long(s):
    if not _INT.match(s):
        return None
    v = int(s)
    return v if LONG_MIN <= v <= LONG_MAX else None


def strtod_lenient(s):
    """What C's (float)strtod(tok, NULL) gives for a token (0 when nothing parses)."""
    m = re.match(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", s)
    return float(m.group(0)) if m else 0.0


def strtol_prefix(s):
    """C's strtol(s, &end, 10): (value, rest)."""
    m = re.match(r"^\s*([+-]?\d+)", s)
    if not m:
        return 0, s
    return max(LONG_MIN, min(LONG_MAX, int(m.group(1)))), s[m.end():]


def f32(values):
    return array.array("f", values)


class Failed(Exception):
    pass


class Line:
    __slots__ = ("keyword", "tok", "used")

    def __init__(self, keyword, tok):
        self.keyword, self.tok, self.used = keyword, tok, False


class Malformed(Exception):
    pass


class Case:
    """One .ref file, with the first-failure result of its replay."""

    def __init__(self, path):
        self.path = path
        self.lines = []
        self.msg = None
        self._scales = {}
        self._load()

    def _load(self):
        try:
            with open(self.path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise Malformed("cannot open: %s" % os.strerror(e.errno or 0)) from None
        head = ["descent-ref", "kind", "name", "variant"]
        vals = []
        params = set()
        text = data.decode("latin-1")
        raw_lines = text.split("\n")
        if raw_lines and raw_lines[-1] == "":
            raw_lines.pop()
        for lineno, raw in enumerate(raw_lines, 1):
            p = raw.lstrip(" \t")
            if p == "" or p[0] in "#\r":
                continue
            toks = [t for t in re.split(r"[ \t\r\n]+", raw) if t]
            if not toks:
                continue
            kw, tok = toks[0], toks[1:]
            if len(vals) < 4:
                h = head[len(vals)]
                if kw != h or len(tok) != 1:
                    raise Malformed("line %d: expected '%s <value>' here" % (lineno, h))
                if not vals and tok[0] != "1":
                    raise Malformed("line %d: unsupported format version (want descent-ref 1)" % lineno)
                vals.append(tok[0])
                continue
            if kw in head:
                raise Malformed("line %d: '%s' appears twice" % (lineno, kw))
            if kw == "param":
                if len(tok) != 2:
                    raise Malformed("line %d: param needs a key and a value" % lineno)
                if tok[0] in params:
                    raise Malformed("line %d: param %s appears twice" % (lineno, tok[0]))
                params.add(tok[0])
            self.lines.append(Line(kw, tok))
        if len(vals) < 4:
            raise Malformed("missing header lines (descent-ref 1, kind, name, variant)")
        seen = set()
        for l in self.lines:
            if l.keyword in ("param", "layer") or len(l.tok) < 2:
                continue
            idx = parse_long(l.tok[0])
            if idx is None:
                continue
            if (l.keyword, idx) in seen:
                raise Malformed("'%s %d' appears twice" % (l.keyword, idx))
            seen.add((l.keyword, idx))
        self.kind, self.name, self.variant = vals[1], vals[2], vals[3]
        self.id = "%s-%s-%s" % (self.kind, self.name, self.variant)

    # ---- results --------------------------------------------------------
    def fail(self, msg):
        if self.msg is None:
            self.msg = msg
        raise Failed()

    def soft_fail(self, msg):
        if self.msg is None:
            self.msg = msg

    # ---- params ---------------------------------------------------------
    def _param(self, key):
        for l in self.lines:
            if l.keyword == "param" and l.tok[0] == key:
                return l
        return None

    def has_param(self, key):
        return self._param(key) is not None

    def param_str(self, key):
        l = self._param(key)
        if l is None:
            self.fail("param %s is missing" % key)
        l.used = True
        return l.tok[1]

    def param_double(self, key):
        s = self.param_str(key)
        v = parse_double(s)
        if v is None:
            self.fail("param %s: '%s' is not a finite number" % (key, s))
        return v

    def param_list(self, key, cap=1024):
        s = self.param_str(key)
        out = []
        for t in [t for t in s[:1023].split(",") if t]:
            if len(out) == cap:
                self.fail("param %s: more than %d entries" % (key, cap))
            v = parse_long(t)
            if v is None:
                self.fail("param %s: '%s' is not an integer" % (key, t))
            out.append(v)
        return out

    def check_params_used(self):
        for l in self.lines:
            if l.keyword == "param" and not l.used:
                self.fail("param %s is not understood" % l.tok[0])

    # ---- lines ----------------------------------------------------------
    def single(self, keyword):
        found = [l for l in self.lines if l.keyword == keyword]
        if len(found) > 1:
            self.fail("'%s' appears twice" % keyword)
        if not found:
            self.fail("'%s' is missing" % keyword)
        return found[0]

    def all_lines(self, keyword):
        return [l for l in self.lines if l.keyword == keyword]

    def _vector(self, keyword, index):
        for l in self.lines:
            if l.keyword == keyword and l.tok and parse_long(l.tok[0]) == index:
                return l
        return None

    def has_vector(self, keyword, index):
        return self._vector(keyword, index) is not None

    def vector(self, keyword, index, cap):
        l = self._vector(keyword, index)
        if l is None:
            self.fail("'%s %d' is missing" % (keyword, index))
        if len(l.tok) - 1 > cap:
            self.fail("'%s %d' has %d values, expected at most %d" % (keyword, index, len(l.tok) - 1, cap))
        out = []
        for i, t in enumerate(l.tok[1:]):
            v = parse_double(t)
            if v is None:
                self.fail("'%s %d': value %d ('%s') is not a finite number" % (keyword, index, i, t))
            out.append(v)
        return out

    def vector_count(self, keyword, first):
        idxs = []
        for l in self.lines:
            if l.keyword != keyword:
                continue
            idx = parse_long(l.tok[0]) if l.tok else None
            if idx is None:
                self.fail("'%s' line without an index" % keyword)
            idxs.append(idx)
        if idxs and (min(idxs) != first or max(idxs) - min(idxs) + 1 != len(idxs)):
            self.fail("'%s' indices are not contiguous from %d" % (keyword, first))
        return len(idxs)

    def _scale(self, keyword):
        if keyword not in self._scales:
            s = 0.0
            for l in self.lines:
                if l.keyword == keyword:
                    for t in l.tok[1:]:
                        v = parse_double(t)
                        if v is not None and abs(v) > s:
                            s = abs(v)
            self._scales[keyword] = s
        return self._scales[keyword]

    def check(self, keyword, t, got, rtol, atol):
        got = [float(v) for v in got]
        want = self.vector(keyword, t, len(got))
        if len(want) != len(got):
            self.fail("'%s %d' has %d values, the library gave %d" % (keyword, t, len(want), len(got)))
        scale = self._scale(keyword)
        for i, (g, w) in enumerate(zip(got, want)):
            if not (abs(g - w) <= rtol * abs(w) + atol * scale):
                self.fail("%s t %d index %d got %.9g ref %.9g" % (keyword, t, i, g, w))


def _count(c, kw):
    l = c.single(kw)
    if len(l.tok) != 1:
        c.fail("'%s' needs one value" % kw)
    v, rest = strtol_prefix(l.tok[0])
    if rest != "" or v < 0:
        c.fail("'%s %s' is not a count" % (kw, l.tok[0]))
    return v


def _msg(e):
    return e.message if isinstance(e, descent.Error) else str(e)


# ---- kind optimizer --------------------------------------------------------
_OPT_PARAMS = ["lr", "momentum", "dampening", "nesterov", "weight_decay", "maximize", "eps",
               "beta1", "beta2", "amsgrad", "momentum_decay", "alpha", "centered", "lr_decay",
               "initial_accumulator_value", "rho", "etaminus", "etaplus", "step_size_min",
               "step_size_max", "clip_norm", "clip_value"]


def conform_optimizer(c):
    cls = _optim.BY_NAME.get(c.name)
    if cls is None:
        c.fail("unknown optimizer '%s'" % c.name)
    n = _count(c, "size")
    steps = _count(c, "steps")
    if n < 1:
        c.fail("size must be at least 1")
    opt = cls._without_params()
    with opt:
        for i, flag in enumerate(("foreach", "capturable", "differentiable", "fused")):
            if c.has_param(flag):
                v = c.param_double(flag)
                if i > 0 and v != 0.0:
                    c.fail("param %s %g is not supported" % (flag, v))
        for name in _OPT_PARAMS:
            if not c.has_param(name):
                continue
            v = c.param_double(name)
            try:
                opt.set(name, v)
            except descent.Error as e:
                c.fail("param %s %g: %s" % (name, v, e.message))
        init = c.single("init")
        if len(init.tok) != n:
            c.fail("init has %d values, size is %d" % (len(init.tok), n))
        p = f32(strtod_lenient(t) for t in init.tok)
        g = f32([0.0] * n)
        try:
            opt.add_param_group({"params": [descent.Parameter(p, g)]})
        except descent.Error as e:
            c.fail("add_params: %s" % e.message)
        if c.vector_count("grad", 0) != steps or c.vector_count("expect", 0) != steps:
            c.fail("grad and expect need %d lines each" % steps)
        sched = None
        if c.has_param("sched_type"):
            typ = c.param_str("sched_type")
            if typ != "StepLR":
                c.fail("sched_type %s is not supported" % typ)
            step_size = c.param_double("sched_step_size")
            gamma = c.param_double("sched_gamma")
            try:
                sched = descent.StepLR(opt, step_size=Raw(step_size), gamma=Raw(gamma))
            except descent.Error as e:
                c.fail("StepLR: %s" % e.message)
        with_lr = sched is not None or c.has_vector("lr", 0)
        if with_lr and c.vector_count("lr", 0) != steps:
            c.fail("lr needs %d lines" % steps)
        group = opt.param_groups[0]
        for t in range(steps):
            grad = c.vector("grad", t, n)
            if len(grad) != n:
                c.fail("grad %d needs %d values" % (t, n))
            g[:] = f32(grad)
            if with_lr:
                try:
                    lr = group["lr"]
                except descent.Error as e:
                    c.fail("lr %d: %s" % (t, e.message))
                c.check("lr", t, [lr], RTOL, ATOL)
            try:
                opt.step()
            except descent.Error as e:
                c.fail("step %d: %s" % (t, e.message))
            c.check("expect", t, p, RTOL, ATOL)
            if sched is not None:
                try:
                    sched.step()
                except descent.Error as e:
                    c.fail("scheduler step %d: %s" % (t, e.message))
        if sched is not None:
            sched.close()


# ---- kind scheduler --------------------------------------------------------
_CHOICES = {"mode": None, "anneal_strategy": ["cos", "linear"],
            "threshold_mode": ["rel", "abs"]}
_MODES = {"CyclicLR": ["triangular", "triangular2", "exp_range"], "ReduceLROnPlateau": ["min", "max"]}
_NOT_PARAMS = {"self", "optimizer", "last_epoch", "verbose", "scale_fn", "scale_mode", "lr_lambda",
               "schedulers", "milestones"}


def _sched_kwargs(c, cls, prefix):
    """The case's params this class takes, as keyword arguments (marked used)."""
    kw = {}
    sig = inspect.signature(cls.__init__)
    for name in sig.parameters:
        if name in _NOT_PARAMS:
            continue
        key = prefix + name
        if not c.has_param(key):
            continue
        choices = _MODES.get(cls.__name__) if name == "mode" else _CHOICES.get(name)
        if name in _CHOICES and choices is None:
            continue
        if choices is not None:
            s = c.param_str(key)
            if s not in choices:
                c.fail("param %s: unknown value '%s'" % (key, s))
            kw[name] = s
        else:
            kw[name] = Raw(c.param_double(key))   # C checks it, as in the C runner
    if cls is _sched.CyclicLR and c.has_param(prefix + "scale_mode"):
        s = c.param_str(prefix + "scale_mode")
        mode = kw.get("mode", "triangular")
        implied = "iterations" if mode == "exp_range" else "cycle"
        if s != implied:
            c.fail("param %sscale_mode %s: mode %s scales per %s" % (prefix, s, mode, implied))
    if "milestones" in sig.parameters and c.has_param(prefix + "milestones"):
        kw["milestones"] = c.param_list(prefix + "milestones")
    return kw


def _construct(c, cls, opt, kw, prefix, what):
    """Builds a scheduler, turning a refusal into the C runner's message."""
    try:
        if cls is _sched.ChainedScheduler:
            return cls(kw.pop("schedulers"), optimizer=opt)
        return cls(opt, **kw)
    except descent.Error as e:
        fn = e.function or ""
        if fn == "dsc_lr_scheduler_set":
            c.fail("param %s%s: %s" % (prefix, what, e.message))
        if fn == "dsc_lr_scheduler_set_milestones":
            c.fail("param %smilestones: %s" % (prefix, e.message))
        if fn == "dsc_lr_scheduler_start":
            c.fail("start: %s" % e.message)
        if fn == "dsc_lr_scheduler_add_child":
            c.fail("add_child: %s" % e.message)
        c.fail("new: %s" % e.message)
    except TypeError as e:
        c.fail("new: %s" % e)


def conform_scheduler(c):
    opt = descent.SGD._without_params()
    p, g = f32([0.0]), f32([0.0])
    with opt:
        if c.has_param("lr"):
            lr = c.param_double("lr")
            try:
                opt.set("lr", lr)
            except descent.Error as e:
                c.fail("lr %g: %s" % (lr, e.message))
        try:
            opt.add_param_group({"params": [descent.Parameter(p, g)]})
        except descent.Error as e:
            c.fail("add_params: %s" % e.message)
        cls = _sched.BY_NAME.get(c.name)
        if cls is None or cls in (_sched.LambdaLR, _sched.MultiplicativeLR):
            c.fail("unknown scheduler '%s'" % c.name)
        # The same checks as the C runner, before the scheduler starts.
        l = c.single("steps")
        steps = strtol_prefix(l.tok[0])[0] if len(l.tok) == 1 else -1
        if steps < 0:
            c.fail("'steps' needs one count")
        nlr = c.vector_count("lr", 0)
        with_m = c.has_vector("momentum", 0)
        plateau = c.name == "ReduceLROnPlateau"
        if nlr != steps + 1:
            c.fail("%d lr lines for %d steps" % (nlr, steps))
        if with_m and c.vector_count("momentum", 0) != nlr:
            return
        if plateau and c.vector_count("metric", 1) != steps:
            return
        kw = _sched_kwargs(c, cls, "")
        if cls in (_sched.SequentialLR, _sched.ChainedScheduler):
            children = []
            i = 0
            while c.has_param("sched%d_type" % i):
                key = "sched%d_type" % i
                typ = c.param_str(key)
                ccls = _sched.BY_NAME.get(typ)
                if ccls is None or ccls in (_sched.LambdaLR, _sched.MultiplicativeLR):
                    c.fail("param %s: unknown scheduler '%s'" % (key, typ))
                prefix = "sched%d_" % i
                ckw = _sched_kwargs(c, ccls, prefix)
                children.append(_construct(c, ccls, opt, ckw, prefix, typ))
                i += 1
            if i == 0:
                c.fail("%s without sched0_type" % c.name)
            kw["schedulers"] = children
        s = _construct(c, cls, opt, kw, "", c.name)
        group = opt.param_groups[0]

        def check_t(t):
            c.check("lr", t, [group["lr"]], SCHED_RTOL, SCHED_ATOL)
            if with_m:
                c.check("momentum", t, [group["momentum"]], SCHED_RTOL, SCHED_ATOL)

        check_t(0)
        for t in range(1, steps + 1):
            try:
                if plateau:
                    metric = c.vector("metric", t, 1)
                    if len(metric) != 1:
                        c.fail("metric %d needs one value" % t)
                    s.step(metric[0])
                else:
                    s.step()
            except descent.Error as e:
                c.fail("step %d: %s" % (t, e.message))
            check_t(t)
        s.close()


# ---- kind network ----------------------------------------------------------
_NET_PARAMS = set(_OPT_PARAMS)


def _api(c, what, fn, *args):
    try:
        return fn(*args)
    except descent.Error as e:
        c.fail("%s: %s (%s)" % (what, e.status_name, e.message))


def _floats(c, keyword, index, n):
    got = c.vector(keyword, index, n)
    if len(got) != n:
        c.fail("'%s %d' has %d values, expected %d" % (keyword, index, len(got), n))
    return got


def kv(c, what, toks, keys):
    """`key=value` tokens: each of keys exactly once and no other; {key: text}."""
    out = {}
    for t in toks:
        k, eq, v = t.partition("=")
        if not eq:
            c.fail("%s: '%s' is not key=value" % (what, t))
        if k not in keys:
            c.fail("%s: unknown key '%s'" % (what, k))
        if k in out:
            c.fail("%s: key '%s' appears twice" % (what, k))
        out[k] = v
    for k in keys:
        if k not in out:
            c.fail("%s: key '%s' is missing" % (what, k))
    return out


def kv_double(c, what, key, v):
    d = parse_double(v)
    if d is None:
        c.fail("%s: %s=%s is not a number" % (what, key, v))
    return d


def kv_sizes(c, what, key, v, n):
    """n comma-separated integers >= 0 ("3" or "3,3"): a list."""
    parts = v.split(",")
    vals = [parse_long(p) for p in parts]
    if len(parts) != n or any(x is None or x < 0 for x in vals):
        c.fail("%s: %s=%s is not %d integer%s >= 0" % (what, key, v, n, "s" if n > 1 else ""))
    return vals


class LayerLine:
    """One `layer` line being turned into a descent layer (see LAYER_BUILDERS)."""

    def __init__(self, case, line, index, shape):
        self.c, self.line, self.index = case, line, index
        self.shape = shape          # the model's per-sample shape before this layer

    @property
    def type(self):
        return self.line.tok[0]

    def keys(self, *names):
        """{key: text} of exactly these keys."""
        return kv(self.c, "layer %d (%s)" % (self.index, self.type), self.line.tok[1:], names)


def _build_dense(b):
    l = b.line
    if len(l.tok) != 3:
        b.c.fail("layer %d: dense needs <in> <out>" % b.index)
    fin, fout = strtol_prefix(l.tok[1])[0], strtol_prefix(l.tok[2])[0]
    if len(b.shape) == 1 and fin != b.shape[0]:
        b.c.fail("layer %d: dense expects %d inputs, but the model gives %d there"
                 % (b.index, fin, b.shape[0]))
    return descent.Linear(fin, fout, bias=b.c.has_vector("bias", b.index))


def _activation(cls):
    def build(b):
        if len(b.line.tok) != 1:
            b.c.fail("layer %d: %s takes no arguments" % (b.index, b.type))
        return cls()
    return build


def _build_leaky_relu(b):
    v = b.keys("slope")
    return descent.LeakyReLU(kv_double(b.c, "leaky_relu", "slope", v["slope"]))


def _build_gelu(b):
    v = b.keys("approximate")
    if v["approximate"] not in ("none", "tanh"):
        b.c.fail("layer %d: gelu approximate=%s is not supported (none or tanh)" % (b.index, v["approximate"]))
    return descent.GELU(v["approximate"])


def _build_flatten(b):
    b.keys()
    return descent.Flatten()


def _recurrent(cls):
    def build(b):
        v = b.keys("in", "hidden")
        fin = kv_sizes(b.c, b.type, "in", v["in"], 1)[0]
        hidden = kv_sizes(b.c, b.type, "hidden", v["hidden"], 1)[0]
        return cls(fin, hidden, batch_first=True)
    return build


def _build_last_step(b):
    b.keys()
    return descent.LastStep()


def _build_batchnorm(cls, first):
    def build(b):
        v = b.keys(first, "eps", "momentum")
        c = parse_long(v[first])
        if c is None or c < 1:
            b.c.fail("layer %d: %s=%s is not a size" % (b.index, first, v[first]))
        return cls(c, eps=kv_double(b.c, b.type, "eps", v["eps"]),
                   momentum=kv_double(b.c, b.type, "momentum", v["momentum"]))
    return build


def _build_layernorm(b):
    v = b.keys("shape", "eps")
    d = parse_long(v["shape"])
    if d is None or d < 1:
        b.c.fail("layer %d: shape=%s is not a size" % (b.index, v["shape"]))
    return descent.LayerNorm(d, eps=kv_double(b.c, "layernorm", "eps", v["eps"]))


def _window_sizes(b, key, text, n):
    """`h,w` (n = 2) or one integer (n = 1), each >= 0, as a tuple."""
    parts = text.split(",")
    vals = [parse_long(p) for p in parts]
    if len(parts) != n or any(v is None or v < 0 for v in vals):
        b.c.fail("layer %d (%s): %s=%s is not %d integer%s >= 0%s" % (
            b.index, b.type, key, text, n, "s" if n > 1 else "", " separated by commas" if n > 1 else ""))
    return tuple(vals) if n > 1 else vals[0]


def _flag(b, key, text):
    if text not in ("0", "1"):
        b.c.fail("layer %d: %s=%s is not 0 or 1" % (b.index, key, text))
    return text == "1"


def _conv(cls, n):
    def build(b):
        v = b.keys("in", "out", "kernel", "stride", "padding", "dilation", "groups", "bias")
        sz = {k: _window_sizes(b, k, v[k], n) for k in ("kernel", "stride", "padding", "dilation")}
        return cls(_window_sizes(b, "in", v["in"], 1), _window_sizes(b, "out", v["out"], 1),
                   sz["kernel"], stride=sz["stride"], padding=sz["padding"], dilation=sz["dilation"],
                   groups=_window_sizes(b, "groups", v["groups"], 1), bias=_flag(b, "bias", v["bias"]))
    return build


def _maxpool(cls, n):
    def build(b):
        v = b.keys("kernel", "stride", "padding", "dilation", "ceil_mode")
        sz = {k: _window_sizes(b, k, v[k], n) for k in ("kernel", "stride", "padding", "dilation")}
        return cls(sz["kernel"], stride=sz["stride"], padding=sz["padding"],
                   dilation=sz["dilation"], ceil_mode=_flag(b, "ceil_mode", v["ceil_mode"]))
    return build


def _avgpool(cls, n):
    def build(b):
        v = b.keys("kernel", "stride", "padding", "ceil_mode", "count_include_pad")
        sz = {k: _window_sizes(b, k, v[k], n) for k in ("kernel", "stride", "padding")}
        return cls(sz["kernel"], stride=sz["stride"], padding=sz["padding"],
                   ceil_mode=_flag(b, "ceil_mode", v["ceil_mode"]),
                   count_include_pad=_flag(b, "count_include_pad", v["count_include_pad"]))
    return build


#: Every layer type a case may use: type -> builder(LayerLine) -> a descent layer.
LAYER_BUILDERS = {
    "dense": _build_dense,
    "relu": _activation(descent.ReLU),
    "tanh": _activation(descent.Tanh),
    "sigmoid": _activation(descent.Sigmoid),
    "leaky_relu": _build_leaky_relu,
    "gelu": _build_gelu,
    "flatten": _build_flatten,
    "lstm": _recurrent(descent.LSTM),
    "gru": _recurrent(descent.GRU),
    "last_step": _build_last_step,
    "batchnorm1d": _build_batchnorm(descent.BatchNorm1d, "features"),
    "batchnorm2d": _build_batchnorm(descent.BatchNorm2d, "channels"),
    "layernorm": _build_layernorm,
    "conv1d": _conv(descent.Conv1d, 1),
    "conv2d": _conv(descent.Conv2d, 2),
    "maxpool1d": _maxpool(descent.MaxPool1d, 1),
    "maxpool2d": _maxpool(descent.MaxPool2d, 2),
    "avgpool1d": _avgpool(descent.AvgPool1d, 1),
    "avgpool2d": _avgpool(descent.AvgPool2d, 2),
}

#: The loss line's types: type -> (class, its one key or None).
_LOSSES = {"mse": (descent.MSELoss, None), "cross_entropy": (descent.CrossEntropyLoss, None),
           "l1": (descent.L1Loss, None), "bce_with_logits": (descent.BCEWithLogitsLoss, None),
           "huber": (descent.HuberLoss, "delta")}


def _input_shape(c, layers):
    """(shape, shaped): input_shape, or the first dense layer's flat width."""
    if c.all_lines("input_shape"):
        l = c.single("input_shape")
        if not 1 <= len(l.tok) <= 3:
            c.fail("input_shape needs 1..3 sizes")
        dims = [parse_long(t) for t in l.tok]
        if any(d is None or d < 1 for d in dims):
            c.fail("input_shape: '%s' is not a size" % " ".join(l.tok))
        return tuple(dims), True
    for l in layers:
        if l.tok and l.tok[0] == "dense" and len(l.tok) == 3:
            w = strtol_prefix(l.tok[1])[0]
            if w > 0:
                return (w,), False
    c.fail("no input_shape, and no dense layer gives the input width")


def conform_network(c):
    layers = c.all_lines("layer")
    if not layers or len(layers) > 64:
        c.fail("%d layer lines (1..64 supported)" % len(layers))
    shape, shaped = _input_shape(c, layers)
    try:
        model = descent.Sequential(input_shape=shape)
    except descent.Error as e:
        c.fail("%s: %s (%s)" % (e.function or "Sequential", e.status_name, e.message))
    with model:
        for i, l in enumerate(layers):
            build = LAYER_BUILDERS.get(l.tok[0] if l.tok else "")
            if build is None:
                c.fail("layer %d: unknown layer type %s" % (i, l.tok[0] if l.tok else ""))
            b = LayerLine(c, l, i, model.output_shape)
            try:
                layer = build(b)
                model.layers.append(layer)
                layer._add(model, i)
            except descent.Error as e:
                c.fail("%s: %s (%s)" % (e.function or type(layer).__name__, e.status_name, e.message))
        sl = c.single("samples")
        if len(sl.tok) != 1:
            c.fail("bad 'samples' line")
        S = strtol_prefix(sl.tok[0])[0]
        if S <= 0:
            c.fail("samples is 0")
        _api(c, "dsc_model_build", model.build, S)
        for i, name, state, is_buffer, tshape in model._all_tensors():
            if is_buffer and not c.has_vector(name, i):
                continue
            n = 1
            for d in tshape:
                n *= d
            setter = model.set_buffer if is_buffer else model.set_param
            _api(c, "dsc_model_set_buffer" if is_buffer else "dsc_model_set_param", setter, i, name,
                 f32(_floats(c, name, i, n)))
        _network_train(c, model, shaped, S)


def _network_train(c, model, shaped, S):
    width, out = model.widths
    ll = c.single("loss")
    if not ll.tok:
        c.fail("bad 'loss' line")
    if ll.tok[0] not in _LOSSES:
        c.fail("unknown loss '%s'" % ll.tok[0])
    cls, key = _LOSSES[ll.tok[0]]
    v = kv(c, "loss", ll.tok[1:], [key] if key else [])
    ce = cls is descent.CrossEntropyLoss
    kwargs = {key: kv_double(c, "loss", key, v[key])} if key else {}
    loss = _api(c, "dsc_loss_new", lambda: cls(**kwargs))
    x, target, labels = [], [], []
    for s in range(S):
        x.extend(_floats(c, "input", s, width))
        if ce:
            v = c.vector("label", s, 1)
            if len(v) != 1:
                c.fail("'label %d' must hold one class index" % s)
            if not (-2 ** 31 <= v[0] < 2 ** 31) or v[0] != int(v[0]):
                c.fail("'label %d' is not an integer" % s)
            labels.append(int(v[0]))
        else:
            target.extend(_floats(c, "target", s, out))
    if c.vector_count("input", 0) != S:
        c.fail("there are not exactly %d 'input' lines" % S)
    x = _rows(f32(x), S, width)
    tgt = array.array("i", labels) if ce else _rows(f32(target), S, out)
    # The optimizer, over the model's buffers.
    ol = c.single("optimizer")
    if len(ol.tok) != 1:
        c.fail("bad 'optimizer' line")
    ocls = _optim.BY_NAME.get(ol.tok[0])
    if ocls is None:
        c.fail("unknown optimizer '%s'" % ol.tok[0])
    opt = _api(c, "dsc_optimizer_new", ocls._without_params)
    with opt, loss:
        for l in c.lines:
            if l.keyword != "param":
                continue
            name = l.tok[0]
            if name not in _NET_PARAMS:
                c.fail("param %s is not understood" % name)
            v = c.param_double(name)
            _api(c, "dsc_optimizer_set(%s, %g)" % (name, v), opt.set, name, v)
        _api(c, "dsc_optimizer_add_model", opt.add_param_group, {"params": model.parameters()})
        l = c.single("steps")
        if len(l.tok) != 1:
            c.fail("bad 'steps' line")
        T = strtol_prefix(l.tok[0])[0]
        if T < 1:
            c.fail("steps is %d" % T)
        if c.vector_count("expect_loss", 0) != T:
            c.fail("there are not exactly %d 'expect_loss' lines" % T)
        for t in range(T):
            _api(c, "dsc_model_zero_grad", model.zero_grad)
            y = _rows(f32(_flat(_api(c, "dsc_model_forward", model.forward, x))), S, out)
            value = _api(c, "dsc_loss_forward", loss.forward, y, tgt)
            c.check("expect_loss", t, [value], RTOL, ATOL)
            flat = _flat(y)
            if t == 0:
                for i in range(S):
                    c.check("expect_output", i, flat[i * out:(i + 1) * out], RTOL, ATOL)
            dy = _api(c, "dsc_loss_backward", loss.backward)
            _api(c, "dsc_model_backward", model.backward, _reshape(dy, (S,) + model.output_shape))
            if t == 0:
                _check_tensors(c, model, True)
            _api(c, "dsc_optimizer_step", opt.step)
        _check_tensors(c, model, False)
        if not c.has_vector("expect_eval_output", 0):
            if shaped:
                c.fail("'expect_eval_output 0' is missing")
            return
        model.eval()
        y = _flat(_api(c, "dsc_model_forward", model.forward, x))
        if c.vector_count("expect_eval_output", 0) != S:
            c.fail("there are not exactly %d 'expect_eval_output' lines" % S)
        for i in range(S):
            c.check("expect_eval_output", i, y[i * out:(i + 1) * out], RTOL, ATOL)


def _flat(a):
    return _buf.flat_list(a)


def _rows(a, rows, width):
    """A flat array.array('f') viewed as [rows, width] (no copy, no NumPy needed)."""
    return memoryview(a).cast("B").cast("f", (rows, width))


def _reshape(a, shape):
    """An array of the same elements in another shape (NumPy or a memoryview)."""
    if hasattr(a, "reshape"):
        return a.reshape(shape)
    return memoryview(f32(_flat(a))).cast("B").cast("f", shape)


def _check_tensors(c, model, grads):
    """expect_grad_<name> (step 0) or expect_<name> (the end) for every
    parameter, and expect_<name> for each buffer the case gives."""
    for i, name, state, is_buffer, shape in model._all_tensors():
        if is_buffer:
            if grads or not c.has_vector("expect_" + name, i):
                continue
            got = _api(c, "dsc_model_get_buffer", model.get_buffer, i, name)
            c.check("expect_" + name, i, _flat(got), RTOL, ATOL)
        elif grads:
            got = _api(c, "dsc_model_get_param_grad", model.param_grad, i, name)
            c.check("expect_grad_" + name, i, _flat(got), RTOL, ATOL)
        else:
            got = _api(c, "dsc_model_get_param", model.get_param, i, name)
            c.check("expect_" + name, i, _flat(got), RTOL, ATOL)


# ---- driver ----------------------------------------------------------------
RUNNERS = {"optimizer": conform_optimizer, "scheduler": conform_scheduler,
           "network": conform_network}


def run_case(path):
    """(passed, line) for one file."""
    try:
        c = Case(path)
    except Malformed as e:
        return False, "FAIL %s: malformed: %s" % (path, e)
    try:
        runner = RUNNERS.get(c.kind)
        if runner is None:
            c.fail("unknown kind '%s'" % c.kind)
        runner(c)
        if c.msg is None:
            c.check_params_used()
    except Failed:
        pass
    except Exception as e:  # a binding bug: report it as this case's failure
        c.soft_fail("%s: %s" % (type(e).__name__, e))
    if c.msg is not None:
        return False, "FAIL %s: %s" % (c.id, c.msg)
    return True, "PASS %s" % c.id


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        sys.stderr.write("usage: descent-conform FILE.ref...\n")
        return 2
    passed = failed = 0
    for path in argv:
        ok, line = run_case(path)
        print(line, flush=True)
        if ok:
            passed += 1
        else:
            failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
