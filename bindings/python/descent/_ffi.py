"""The C API, one line per function of descent.h: (name, argtypes, restype, errcheck).

Registered by one loop on first use (cindex's pattern). Every function that
returns ``dsc_status`` gets :func:`check_status` as its errcheck, which raises
:class:`descent.Error` (the subclass of the status) carrying the status name
and ``dsc_last_error()``. tests/test_ffi.py compares this table with the
``DSC_API`` declarations of include/descent.h, so no function is missed.
"""

import ctypes
from ctypes import (CFUNCTYPE, POINTER, c_char_p, c_double, c_float, c_int, c_int32, c_int64,
                    c_size_t, c_uint, c_uint64, c_void_p)

from . import _base, _lib
from ._errors import error_for

# Opaque handles travel as void pointers; out-parameters as pointers to them.
handle = c_void_p
handle_p = POINTER(c_void_p)
size_p = POINTER(c_size_t)
double_p = POINTER(c_double)
float_p = POINTER(c_float)
float_pp = POINTER(float_p)
int_p = POINTER(c_int)
int32_p = POINTER(c_int32)
int32_pp = POINTER(int32_p)
int64_p = POINTER(c_int64)
uint64_p = POINTER(c_uint64)
enum = c_int
enum_p = POINTER(c_int)
status = c_int
char_pp = POINTER(c_char_p)

# Callback types (typedefs of descent.h).
alloc_fn = CFUNCTYPE(c_void_p, c_size_t, c_void_p)
free_fn = CFUNCTYPE(None, c_void_p, c_void_p)
grad_hook_fn = CFUNCTYPE(c_int, c_void_p, c_size_t, float_p, c_size_t, c_void_p)
lr_lambda_fn = CFUNCTYPE(c_double, c_int64, c_size_t, c_void_p)
trainer_callback = CFUNCTYPE(c_int, c_void_p, c_void_p)
task_fn = CFUNCTYPE(None, c_void_p, c_size_t)
parallel_for_fn = CFUNCTYPE(None, c_void_p, c_size_t, task_fn, c_void_p)


def check_status(result, func, args):
    """errcheck of every dsc_status function: raise on anything but DSC_OK."""
    if result != 0:
        raise error_for(result, C.dsc_last_error().decode("utf-8", "replace"), func.__name__)
    return result


S = check_status  # short name for the table

#: (name, argtypes, restype, errcheck) for every DSC_API function of descent.h.
FUNCTIONS = [
    # Version
    ("dsc_version", [], c_char_p, None),
    ("dsc_version_number", [], c_uint, None),
    # Status and errors
    ("dsc_status_name", [status], c_char_p, None),
    ("dsc_status_message", [status], c_char_p, None),
    ("dsc_last_error", [], c_char_p, None),
    # Core
    ("dsc_set_allocator", [alloc_fn, free_fn, c_void_p], status, S),
    ("dsc_isa", [], c_char_p, None),
    ("dsc_isa_note", [], c_char_p, None),
    ("dsc_isa_available", [c_char_p], c_int, None),
    ("dsc_set_isa", [c_char_p], status, S),
    ("dsc_set_flush_denormals", [c_int], status, S),
    ("dsc_flush_denormals", [], c_int, None),
    ("dsc_set_threads", [c_int], status, S),
    ("dsc_threads", [], c_int, None),
    ("dsc_set_parallel_for", [parallel_for_fn, c_void_p, c_int], status, S),
    # Tensor
    ("dsc_tensor_new", [handle_p, size_p, c_size_t], status, S),
    ("dsc_tensor_wrap", [handle_p, float_p, size_p, c_size_t], status, S),
    ("dsc_tensor_free", [handle], None, None),
    ("dsc_tensor_data", [handle, float_pp], status, S),
    ("dsc_tensor_ndim", [handle, size_p], status, S),
    ("dsc_tensor_dim", [handle, c_size_t, size_p], status, S),
    ("dsc_tensor_size", [handle, size_p], status, S),
    ("dsc_tensor_is_borrowed", [handle, int_p], status, S),
    ("dsc_tensor_fill", [handle, c_float], status, S),
    ("dsc_tensor_copy", [handle, handle], status, S),
    ("dsc_tensor_fill_uniform", [handle, c_float, c_float, c_uint64], status, S),
    ("dsc_tensor_fill_normal", [handle, c_float, c_float, c_uint64], status, S),
    # Model
    ("dsc_model_new", [handle_p, c_size_t], status, S),
    ("dsc_model_free", [handle], None, None),
    ("dsc_model_add_dense", [handle, c_size_t, c_int], status, S),
    ("dsc_model_add_activation", [handle, enum], status, S),
    ("dsc_model_add_leaky_relu", [handle, c_double], status, S),
    ("dsc_model_add_dropout", [handle, c_double, c_uint64], status, S),
    ("dsc_model_build", [handle, c_size_t], status, S),
    ("dsc_model_layer_count", [handle, size_p], status, S),
    ("dsc_model_layer_info", [handle, c_size_t, enum_p, size_p, size_p], status, S),
    ("dsc_model_layer_param_count", [handle, c_size_t, size_p], status, S),
    ("dsc_model_widths", [handle, size_p, size_p], status, S),
    ("dsc_model_max_batch", [handle, size_p], status, S),
    ("dsc_model_set_training", [handle, c_int], status, S),
    ("dsc_model_is_training", [handle, int_p], status, S),
    ("dsc_model_init", [handle, enum, enum, c_uint64], status, S),
    ("dsc_model_forward", [handle, float_p, c_size_t, float_pp], status, S),
    ("dsc_model_predict", [handle, float_p, c_size_t, float_p], status, S),
    ("dsc_model_backward", [handle, float_p, c_size_t], status, S),
    ("dsc_model_zero_grad", [handle], status, S),
    ("dsc_model_param_count", [handle, size_p], status, S),
    ("dsc_model_params", [handle, float_pp], status, S),
    ("dsc_model_grads", [handle, float_pp], status, S),
    ("dsc_model_get_weight", [handle, c_size_t, float_p, c_size_t], status, S),
    ("dsc_model_set_weight", [handle, c_size_t, float_p, c_size_t], status, S),
    ("dsc_model_get_bias", [handle, c_size_t, float_p, c_size_t], status, S),
    ("dsc_model_set_bias", [handle, c_size_t, float_p, c_size_t], status, S),
    ("dsc_model_get_weight_grad", [handle, c_size_t, float_p, c_size_t], status, S),
    ("dsc_model_get_bias_grad", [handle, c_size_t, float_p, c_size_t], status, S),
    # Loss
    ("dsc_loss_new", [handle_p, enum], status, S),
    ("dsc_loss_free", [handle], None, None),
    ("dsc_loss_kind_of", [handle, enum_p], status, S),
    ("dsc_loss_set", [handle, enum, c_double], status, S),
    ("dsc_loss_get", [handle, enum, double_p], status, S),
    ("dsc_loss_param_bounds", [enum, enum, double_p, double_p], status, S),
    ("dsc_loss_param_default", [enum, enum, double_p], status, S),
    ("dsc_loss_forward", [handle, float_p, float_p, c_size_t, c_size_t, double_p], status, S),
    ("dsc_loss_forward_labels", [handle, float_p, int32_p, c_size_t, c_size_t, double_p],
     status, S),
    ("dsc_loss_backward", [handle, float_p], status, S),
    ("dsc_accuracy", [float_p, int32_p, c_size_t, c_size_t, double_p], status, S),
    # Optimizer
    ("dsc_optimizer_new", [handle_p, enum], status, S),
    ("dsc_optimizer_free", [handle], None, None),
    ("dsc_optimizer_kind_of", [handle, enum_p], status, S),
    ("dsc_optimizer_add_params", [handle, float_p, float_p, c_size_t, size_p], status, S),
    ("dsc_optimizer_add_model", [handle, handle, size_p], status, S),
    ("dsc_optimizer_group_count", [handle, size_p], status, S),
    ("dsc_optimizer_group_size", [handle, c_size_t, size_p], status, S),
    ("dsc_optimizer_set", [handle, enum, c_double], status, S),
    ("dsc_optimizer_get", [handle, enum, double_p], status, S),
    ("dsc_optimizer_group_set", [handle, c_size_t, enum, c_double], status, S),
    ("dsc_optimizer_group_get", [handle, c_size_t, enum, double_p], status, S),
    ("dsc_optimizer_param_bounds", [enum, enum, double_p, double_p], status, S),
    ("dsc_optimizer_param_default", [enum, enum, double_p], status, S),
    ("dsc_optimizer_param_name", [enum], c_char_p, None),
    ("dsc_optimizer_set_grad_hook", [handle, grad_hook_fn, c_void_p], status, S),
    ("dsc_optimizer_step", [handle], status, S),
    ("dsc_optimizer_zero_grad", [handle], status, S),
    ("dsc_optimizer_last_grad_norm", [handle, double_p], status, S),
    ("dsc_optimizer_refused_steps", [handle, uint64_p], status, S),
    ("dsc_optimizer_group_step_count", [handle, c_size_t, uint64_p], status, S),
    ("dsc_optimizer_group_set_step_count", [handle, c_size_t, c_uint64], status, S),
    ("dsc_optimizer_state_count", [handle, size_p], status, S),
    ("dsc_optimizer_state_name", [handle, c_size_t, char_pp], status, S),
    ("dsc_optimizer_state_get", [handle, c_size_t, c_size_t, float_p, c_size_t], status, S),
    ("dsc_optimizer_state_in_use", [handle, c_size_t, c_size_t, int_p], status, S),
    ("dsc_optimizer_state_set", [handle, c_size_t, c_size_t, float_p, c_size_t], status, S),
    ("dsc_optimizer_reset_state", [handle], status, S),
    # Learning-rate schedulers
    ("dsc_lr_scheduler_new", [handle_p, enum, handle], status, S),
    ("dsc_lr_scheduler_free", [handle], None, None),
    ("dsc_lr_scheduler_set", [handle, enum, c_double], status, S),
    ("dsc_lr_scheduler_get", [handle, enum, double_p], status, S),
    ("dsc_lr_scheduler_group_set", [handle, c_size_t, enum, c_double], status, S),
    ("dsc_lr_scheduler_group_get", [handle, c_size_t, enum, double_p], status, S),
    ("dsc_lr_scheduler_param_bounds", [enum, enum, double_p, double_p], status, S),
    ("dsc_lr_scheduler_param_default", [enum, enum, double_p], status, S),
    ("dsc_lr_scheduler_set_milestones", [handle, int64_p, c_size_t], status, S),
    ("dsc_lr_scheduler_set_lambda", [handle, lr_lambda_fn, c_void_p], status, S),
    ("dsc_lr_scheduler_add_child", [handle, handle_p], status, S),
    ("dsc_lr_scheduler_start", [handle], status, S),
    ("dsc_lr_scheduler_step", [handle], status, S),
    ("dsc_lr_scheduler_step_metric", [handle, c_double], status, S),
    ("dsc_lr_scheduler_lr", [handle, c_size_t, double_p], status, S),
    ("dsc_lr_scheduler_state_get", [handle, enum, double_p], status, S),
    ("dsc_lr_scheduler_child_count", [handle, size_p], status, S),
    ("dsc_lr_scheduler_child", [handle, c_size_t, handle_p], status, S),
    ("dsc_lr_scheduler_state_size", [handle, size_p], status, S),
    ("dsc_lr_scheduler_state_save", [handle, double_p, c_size_t], status, S),
    ("dsc_lr_scheduler_state_load", [handle, double_p, c_size_t], status, S),
    # Dataset
    ("dsc_dataset_new_targets", [handle_p, float_p, float_p, c_size_t, c_size_t, c_size_t, enum],
     status, S),
    ("dsc_dataset_new_labels", [handle_p, float_p, int32_p, c_size_t, c_size_t, c_size_t, enum],
     status, S),
    ("dsc_dataset_load_idx", [handle_p, c_char_p, c_char_p, c_size_t], status, S),
    ("dsc_dataset_load_csv", [handle_p, c_char_p, c_char_p, c_size_t, c_size_t], status, S),
    ("dsc_dataset_split", [handle_p, handle_p, handle, c_double, c_uint64], status, S),
    ("dsc_dataset_subset", [handle_p, handle, size_p, c_size_t], status, S),
    ("dsc_dataset_free", [handle], None, None),
    ("dsc_dataset_count", [handle, size_p], status, S),
    ("dsc_dataset_features", [handle, size_p], status, S),
    ("dsc_dataset_outputs", [handle, size_p], status, S),
    ("dsc_dataset_classes", [handle, size_p], status, S),
    ("dsc_dataset_has_labels", [handle, int_p], status, S),
    ("dsc_dataset_is_borrowed", [handle, int_p], status, S),
    ("dsc_dataset_inputs", [handle, float_pp], status, S),
    ("dsc_dataset_targets", [handle, float_pp], status, S),
    ("dsc_dataset_labels", [handle, int32_pp], status, S),
    ("dsc_dataset_gather", [handle, size_p, c_size_t, float_p, float_p, int32_p], status, S),
    ("dsc_dataset_scale", [handle, c_float], status, S),
    ("dsc_dataset_feature_minmax", [handle, float_p, float_p], status, S),
    ("dsc_dataset_feature_meanstd", [handle, float_p, float_p], status, S),
    ("dsc_dataset_normalize_minmax", [handle, float_p, float_p], status, S),
    ("dsc_dataset_standardize", [handle, float_p, float_p], status, S),
    # Trainer, range test, search
    ("dsc_trainer_new", [handle_p, handle, handle, handle, handle], status, S),
    ("dsc_trainer_free", [handle], None, None),
    ("dsc_trainer_set_validation", [handle, handle], status, S),
    ("dsc_trainer_set_scheduler", [handle, handle], status, S),
    ("dsc_trainer_set", [handle, enum, c_double], status, S),
    ("dsc_trainer_get", [handle, enum, double_p], status, S),
    ("dsc_trainer_param_bounds", [enum, double_p, double_p], status, S),
    ("dsc_trainer_param_default", [enum, double_p], status, S),
    ("dsc_trainer_set_step_callback", [handle, trainer_callback, c_void_p], status, S),
    ("dsc_trainer_set_epoch_callback", [handle, trainer_callback, c_void_p], status, S),
    ("dsc_trainer_run", [handle], status, S),
    ("dsc_trainer_progress", [handle, handle_p], status, S),
    ("dsc_progress_get", [handle, enum, double_p], status, S),
    ("dsc_model_evaluate", [handle, handle, handle, double_p, double_p], status, S),
    ("dsc_trainer_lr_range_test", [handle, c_double, c_double, c_size_t, double_p, double_p,
                                   size_p, double_p], status, S),
    ("dsc_noise_scale_new", [handle_p], status, S),
    ("dsc_noise_scale_free", [handle], None, None),
    ("dsc_noise_scale_set", [handle, enum, c_double], status, S),
    ("dsc_noise_scale_get", [handle, enum, double_p], status, S),
    ("dsc_noise_scale_reset", [handle], status, S),
    ("dsc_noise_scale_add_norms", [handle, c_double, c_size_t, c_double, c_size_t], status, S),
    ("dsc_noise_scale_add_part", [handle, handle, c_size_t, c_size_t], status, S),
    ("dsc_noise_scale_add_whole", [handle, handle], status, S),
    ("dsc_noise_scale_add_loss", [handle, c_double, c_double, c_double], status, S),
    ("dsc_noise_scale_value", [handle, enum, double_p], status, S),
    ("dsc_noise_scale_advise", [handle, c_double, c_size_t, c_size_t, size_p, double_p, c_char_p,
                                c_size_t], status, S),
    ("dsc_trainer_noise_scale", [handle, handle_p], status, S),
    ("dsc_search_new", [handle_p, enum], status, S),
    ("dsc_search_free", [handle], None, None),
    ("dsc_search_set", [handle, enum, c_double], status, S),
    ("dsc_search_get", [handle, enum, double_p], status, S),
    ("dsc_search_param_bounds", [enum, enum, double_p, double_p], status, S),
    ("dsc_search_param_default", [enum, enum, double_p], status, S),
    ("dsc_search_set_lrs", [handle, double_p, c_size_t], status, S),
    ("dsc_search_set_batch_sizes", [handle, size_p, c_size_t], status, S),
    ("dsc_search_set_schedules", [handle, enum_p, c_size_t], status, S),
    ("dsc_trainer_search", [handle, handle], status, S),
    ("dsc_search_trial_count", [handle, size_p], status, S),
    ("dsc_search_trial", [handle, c_size_t, double_p, size_p, enum_p, double_p], status, S),
    ("dsc_search_best", [handle, size_p], status, S),
    # Model files and checkpoints (experimental; safetensors, docs/checkpoint.md)
    ("dsc_model_save", [handle, c_char_p], status, S),
    ("dsc_model_load", [handle_p, c_char_p, c_size_t], status, S),
    ("dsc_model_load_weights", [handle, c_char_p], status, S),
    ("dsc_checkpoint_save", [c_char_p, handle, handle, handle, handle], status, S),
    ("dsc_checkpoint_load", [c_char_p, handle, handle, handle, handle], status, S),
    # Shaped models and named tensors (experimental)
    ("dsc_model_new_shaped", [handle_p, c_size_t, size_p], status, S),
    ("dsc_model_input_shape", [handle, size_p, size_p], status, S),
    ("dsc_model_output_shape", [handle, size_p, size_p], status, S),
    ("dsc_model_layer_shape", [handle, c_size_t, size_p, size_p, size_p, size_p], status, S),
    ("dsc_model_add_flatten", [handle], status, S),
    ("dsc_model_add_batchnorm1d", [handle, c_size_t, c_double, c_double], status, S),
    ("dsc_model_add_batchnorm2d", [handle, c_size_t, c_double, c_double], status, S),
    ("dsc_model_add_layernorm", [handle, c_size_t, c_double], status, S),
    ("dsc_model_layer_tensor_count", [handle, c_size_t, size_p], status, S),
    ("dsc_model_layer_tensor_info", [handle, c_size_t, c_size_t, char_pp, char_pp, int_p, size_p,
                                     size_p], status, S),
    ("dsc_model_get_param", [handle, c_size_t, c_char_p, float_p, c_size_t], status, S),
    ("dsc_model_set_param", [handle, c_size_t, c_char_p, float_p, c_size_t], status, S),
    ("dsc_model_train_step", [handle, handle, handle, float_p, float_p, int32_p, c_size_t,
                              double_p], status, S),
    ("dsc_model_get_param_grad", [handle, c_size_t, c_char_p, float_p, c_size_t], status, S),
    ("dsc_model_get_buffer", [handle, c_size_t, c_char_p, float_p, c_size_t], status, S),
    ("dsc_model_set_buffer", [handle, c_size_t, c_char_p, float_p, c_size_t], status, S),
    # Recurrent layers (experimental)
    ("dsc_model_add_lstm", [handle, c_size_t, c_size_t], status, S),
    ("dsc_model_add_gru", [handle, c_size_t, c_size_t], status, S),
    ("dsc_model_add_last_step", [handle], status, S),
    # Convolution and pooling layers (experimental); 2-d sizes as size_t[2]
    ("dsc_model_add_conv1d", [handle, c_size_t, c_size_t, c_size_t, c_size_t, c_size_t, c_size_t,
                              c_size_t, c_int], status, S),
    ("dsc_model_add_conv2d", [handle, c_size_t, c_size_t, size_p, size_p, size_p, size_p, c_size_t,
                              c_int], status, S),
    ("dsc_model_add_maxpool1d", [handle, c_size_t, c_size_t, c_size_t, c_size_t, c_int], status, S),
    ("dsc_model_add_maxpool2d", [handle, size_p, size_p, size_p, size_p, c_int], status, S),
    ("dsc_model_add_avgpool1d", [handle, c_size_t, c_size_t, c_size_t, c_int, c_int], status, S),
    ("dsc_model_add_avgpool2d", [handle, size_p, size_p, size_p, c_int, c_int], status, S),
]


class _Missing:
    """Stands for a function of the table the loaded library lacks (an older build)."""

    def __init__(self, name):
        self.__name__ = name

    def __call__(self, *args):
        raise _lib.LibraryError(
            "descent: the loaded libdescent (%s) has no %s; it is older than this binding"
            % (C.dsc_version().decode(), self.__name__))


def _closed_aware(f):
    """ctypes turns an exception raised while converting an argument (a closed
    handle's ``_as_parameter_``) into ctypes.ArgumentError; give back the
    binding's own ClosedError instead."""

    def call(*args):
        try:
            return f(*args)
        except ctypes.ArgumentError:
            err = _base.take_closed_error()
            if err is not None:
                raise err from None
            raise
    call.__name__ = f.__name__
    call.raw = f
    return call


class _Functions:
    """``C.dsc_xxx``: the registered functions, loaded with the library on first use."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        lib = _lib.load()
        for fname, argtypes, restype, errcheck in FUNCTIONS:
            try:
                f = getattr(lib, fname)
            except AttributeError:
                setattr(self, fname, _Missing(fname))
                continue
            f.argtypes = argtypes
            f.restype = restype
            if errcheck is not None:
                f.errcheck = errcheck
            setattr(self, fname, _closed_aware(f))
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError("descent.h has no function %s" % name) from None


#: Every C function, e.g. ``C.dsc_optimizer_step(ptr)``.
C = _Functions()


def last_error():
    return C.dsc_last_error().decode("utf-8", "replace")


def status_name(st):
    return C.dsc_status_name(st).decode()


def out_handle():
    return c_void_p()


def byref(x):
    return ctypes.byref(x)
