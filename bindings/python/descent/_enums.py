"""The enumerations of descent.h, value for value (tests/test_header.py checks them
against the header). Member names drop the C prefix: ``Status.E_ARG`` is ``DSC_E_ARG``."""

from enum import IntEnum


class Status(IntEnum):
    """``dsc_status``."""
    OK = 0
    E_ARG = 1
    E_NOMEM = 2
    E_SHAPE = 3
    E_STATE = 4
    E_UNSUPPORTED = 5
    E_NONFINITE = 6
    E_FORMAT = 7
    E_IO = 8
    E_INTERNAL = 9


class LayerKind(IntEnum):
    """``dsc_layer_kind``."""
    DENSE = 1
    ACTIVATION = 2
    DROPOUT = 3
    FLATTEN = 4
    CONV1D = 5
    CONV2D = 6
    MAXPOOL1D = 7
    MAXPOOL2D = 8
    AVGPOOL1D = 9
    AVGPOOL2D = 10
    BATCHNORM1D = 11
    BATCHNORM2D = 12
    LAYERNORM = 13
    LSTM = 14
    GRU = 15
    LAST_STEP = 16


class Activation(IntEnum):
    """``dsc_activation``."""
    IDENTITY = 0
    RELU = 1
    LEAKY_RELU = 2
    SIGMOID = 3
    TANH = 4
    GELU = 5
    SOFTMAX = 6
    GELU_TANH = 7


class Init(IntEnum):
    """``dsc_init``."""
    PYTORCH_DEFAULT = 1
    XAVIER_UNIFORM = 2
    XAVIER_NORMAL = 3
    KAIMING_UNIFORM = 4
    KAIMING_NORMAL = 5
    ZEROS = 6


class LossKind(IntEnum):
    """``dsc_loss_kind``."""
    MSE = 1
    CROSS_ENTROPY = 2
    BCE_WITH_LOGITS = 3
    HUBER = 4
    L1 = 5
    SMOOTH_L1 = 6


class LossParam(IntEnum):
    """``dsc_loss_param``."""
    DELTA = 1
    BETA = 2


class OptimizerKind(IntEnum):
    """``dsc_optimizer_kind``."""
    SGD = 1
    ADAGRAD = 2
    RMSPROP = 3
    ADAM = 4
    ADAMW = 5
    ADADELTA = 6
    ADAMAX = 7
    NADAM = 8
    RADAM = 9
    RPROP = 10


class OptimizerParam(IntEnum):
    """``dsc_optimizer_param``."""
    LR = 100
    WEIGHT_DECAY = 101
    MAXIMIZE = 102
    EPS = 103
    CLIP_NORM = 110
    CLIP_VALUE = 111
    MOMENTUM = 200
    DAMPENING = 201
    NESTEROV = 202
    BETA1 = 300
    BETA2 = 301
    AMSGRAD = 302
    MOMENTUM_DECAY = 303
    MU_PRODUCT = 304
    ALPHA = 400
    CENTERED = 401
    LR_DECAY = 500
    INITIAL_ACCUMULATOR_VALUE = 501
    RHO = 600
    ETAMINUS = 700
    ETAPLUS = 701
    STEP_SIZE_MIN = 702
    STEP_SIZE_MAX = 703


class SchedulerKind(IntEnum):
    """``dsc_lr_scheduler_kind``."""
    CONSTANT = 1
    CONSTANT_LR = 2
    STEP = 3
    MULTI_STEP = 4
    EXPONENTIAL = 5
    POLYNOMIAL = 6
    LINEAR = 7
    COSINE = 8
    COSINE_WARM_RESTARTS = 9
    CYCLIC = 10
    ONE_CYCLE = 11
    PLATEAU = 12
    LAMBDA = 13
    MULTIPLICATIVE = 14
    SEQUENTIAL = 15
    CHAINED = 16
    INVERSE_TIME = 17


class SchedParam(IntEnum):
    """``dsc_sched_param``."""
    GAMMA = 100
    STEP_SIZE = 101
    FACTOR = 102
    TOTAL_ITERS = 103
    START_FACTOR = 104
    END_FACTOR = 105
    POWER = 106
    T_MAX = 200
    ETA_MIN = 201
    T_0 = 202
    T_MULT = 203
    BASE_LR = 300
    MAX_LR = 301
    STEP_SIZE_UP = 302
    STEP_SIZE_DOWN = 303
    MODE = 304
    CYCLE_MOMENTUM = 305
    BASE_MOMENTUM = 306
    MAX_MOMENTUM = 307
    TOTAL_STEPS = 310
    PCT_START = 311
    ANNEAL_STRATEGY = 312
    DIV_FACTOR = 313
    FINAL_DIV_FACTOR = 314
    THREE_PHASE = 315
    EPOCHS = 316
    STEPS_PER_EPOCH = 317
    PLATEAU_MODE = 400
    PATIENCE = 401
    THRESHOLD = 402
    THRESHOLD_MODE = 403
    COOLDOWN = 404
    MIN_LR = 405
    EPS = 406
    DECAY_RATE = 500
    DECAY_STEPS = 501
    STAIRCASE = 502


class CyclicMode(IntEnum):
    """``dsc_cyclic_mode``."""
    TRIANGULAR = 0
    TRIANGULAR2 = 1
    EXP_RANGE = 2


class AnnealStrategy(IntEnum):
    """``dsc_anneal_strategy``."""
    COS = 0
    LINEAR = 1


class PlateauMode(IntEnum):
    """``dsc_plateau_mode``."""
    MIN = 0
    MAX = 1


class ThresholdMode(IntEnum):
    """``dsc_threshold_mode``."""
    REL = 0
    ABS = 1


class SchedState(IntEnum):
    """``dsc_sched_state_key``."""
    STEP = 1
    STARTED = 2
    BEST = 10
    NUM_BAD_EPOCHS = 11
    COOLDOWN_COUNTER = 12
    T_CUR = 20
    T_I = 21


class DatasetMode(IntEnum):
    """``dsc_dataset_mode``."""
    COPY = 0
    BORROW = 1


class SchedStepping(IntEnum):
    """``dsc_sched_stepping``."""
    PER_EPOCH = 0
    PER_ITERATION = 1
    ON_METRIC = 2


class TrainerParam(IntEnum):
    """``dsc_trainer_param``."""
    BATCH_SIZE = 1
    EPOCHS = 2
    SEED = 3
    SHUFFLE = 4
    DROP_LAST = 5
    SCHED_STEPPING = 6
    PATIENCE = 10
    MIN_DELTA = 11
    RESTORE_BEST = 12
    MAX_NONFINITE = 13
    FINDER_BETA = 20
    FINDER_DIVERGE = 21
    MEASURE_NOISE = 30
    NOISE_BETA = 31
    NOISE_PART = 32
    LOSS_WINDOW = 33
    NOISE_INTERVAL = 34


class ProgressKey(IntEnum):
    """``dsc_progress_key``."""
    EPOCH = 1
    STEP = 2
    BATCH = 3
    BATCHES_PER_EPOCH = 4
    LR = 5
    LOSS = 6
    EPOCH_LOSS = 7
    VAL_LOSS = 8
    VAL_ACCURACY = 9
    REFUSED = 10
    REFUSED_IN_A_ROW = 11
    ELAPSED = 12
    BEST_VAL_LOSS = 13
    BEST_EPOCH = 14
    EPOCHS_WITHOUT_IMPROVEMENT = 15
    STOP_REASON = 16
    NOISE_SCALE = 20
    GRAD_SQ_NORM = 21
    GRAD_VARIANCE = 22
    NOISE_STEPS = 23
    OSCILLATION = 24
    LOSS_DROP_PER_EPOCH = 25
    LOSS_DROP_PER_SECOND = 26
    SUGGESTED_BATCH = 27
    SUGGESTED_LR = 28


class StopReason(IntEnum):
    """``dsc_stop_reason``."""
    NONE = 0
    EPOCHS = 1
    CALLBACK = 2
    EARLY = 3
    NONFINITE = 4
    ERROR = 5


class SearchKind(IntEnum):
    """``dsc_search_kind``."""
    GRID = 1
    RANDOM = 2


class SearchParam(IntEnum):
    """``dsc_search_param``."""
    EPOCHS = 1
    TRIALS = 2
    SEED = 3
    LR_MIN = 4
    LR_MAX = 5


#: C enum name -> (Python class, prefix stripped from the member names).
C_ENUMS = {
    "dsc_status": (Status, "DSC_"),
    "dsc_layer_kind": (LayerKind, "DSC_LAYER_"),
    "dsc_activation": (Activation, "DSC_ACTIVATION_"),
    "dsc_init": (Init, "DSC_INIT_"),
    "dsc_loss_kind": (LossKind, "DSC_LOSS_"),
    "dsc_loss_param": (LossParam, "DSC_LOSS_PARAM_"),
    "dsc_optimizer_kind": (OptimizerKind, "DSC_OPTIMIZER_"),
    "dsc_optimizer_param": (OptimizerParam, "DSC_OPTIMIZER_PARAM_"),
    "dsc_lr_scheduler_kind": (SchedulerKind, "DSC_SCHED_"),
    "dsc_sched_param": (SchedParam, "DSC_SCHED_PARAM_"),
    "dsc_cyclic_mode": (CyclicMode, "DSC_CYCLIC_"),
    "dsc_anneal_strategy": (AnnealStrategy, "DSC_ANNEAL_"),
    "dsc_plateau_mode": (PlateauMode, "DSC_PLATEAU_"),
    "dsc_threshold_mode": (ThresholdMode, "DSC_THRESHOLD_"),
    "dsc_sched_state_key": (SchedState, "DSC_SCHED_STATE_"),
    "dsc_dataset_mode": (DatasetMode, "DSC_DATASET_"),
    "dsc_sched_stepping": (SchedStepping, "DSC_STEP_"),
    "dsc_trainer_param": (TrainerParam, "DSC_TRAINER_PARAM_"),
    "dsc_progress_key": (ProgressKey, "DSC_PROGRESS_"),
    "dsc_stop_reason": (StopReason, "DSC_STOP_"),
    "dsc_search_kind": (SearchKind, "DSC_SEARCH_"),
    "dsc_search_param": (SearchParam, "DSC_SEARCH_PARAM_"),
}
