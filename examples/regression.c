/* Fit a noisy 1-D function with mini-batch training and MSE:
 *
 *   data:  y = sin(3x) + 0.5x + noise (sigma 0.05), x uniform in [-1, 1]
 *   model: dense(1 -> 32), tanh, dense(32 -> 32), tanh, dense(32 -> 1)
 *   optimizer: Adam, lr 0.01, shuffled mini-batches of 32
 *
 * The best achievable MSE is the noise variance, 0.0025. */
#include <descent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#define CHECK(call)                                                              \
    do {                                                                         \
        dsc_status s_ = (call);                                                  \
        if (s_ != DSC_OK) {                                                      \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__,               \
                    dsc_status_name(s_), dsc_last_error());                      \
            return 1;                                                            \
        }                                                                        \
    } while (0)

#define N 256
#define BATCH 32
#define EPOCHS 200

/* A small seeded generator for the data (the library has its own inside). */
static uint64_t rng_state = 12345;
static double uniform(void) { /* [0, 1) */
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}
static double normal(void) { /* Box-Muller */
    double u = uniform(), v = uniform();
    return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

int main(void) {
    static float x[N], t[N], bx[BATCH], bt[BATCH], pred[N];
    size_t order[N];
    for (int i = 0; i < N; i++) {
        x[i] = (float)(2.0 * uniform() - 1.0);
        t[i] = (float)(sin(3.0 * x[i]) + 0.5 * x[i] + 0.05 * normal());
        order[i] = (size_t)i;
    }

    dsc_model *model = NULL;
    dsc_loss *loss = NULL;
    dsc_optimizer *opt = NULL;
    CHECK(dsc_model_new(&model, 1));
    CHECK(dsc_model_add_dense(model, 32, 1));
    CHECK(dsc_model_add_activation(model, DSC_ACTIVATION_TANH));
    CHECK(dsc_model_add_dense(model, 32, 1));
    CHECK(dsc_model_add_activation(model, DSC_ACTIVATION_TANH));
    CHECK(dsc_model_add_dense(model, 1, 1));
    CHECK(dsc_model_build(model, BATCH));
    CHECK(dsc_model_init(model, DSC_INIT_PYTORCH_DEFAULT, DSC_INIT_PYTORCH_DEFAULT, 7));
    CHECK(dsc_loss_new(&loss, DSC_LOSS_MSE));
    CHECK(dsc_optimizer_new(&opt, DSC_OPTIMIZER_ADAM));
    CHECK(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.01));
    CHECK(dsc_optimizer_add_model(opt, model, NULL));

    double value = 0;
    float dy[BATCH];
    for (int epoch = 1; epoch <= EPOCHS; epoch++) {
        for (size_t i = N - 1; i > 0; i--) { /* shuffle */
            size_t j = (size_t)(uniform() * (double)(i + 1));
            size_t k = order[i];
            order[i] = order[j];
            order[j] = k;
        }
        for (size_t b = 0; b < N; b += BATCH) {
            const float *y = NULL;
            for (size_t i = 0; i < BATCH; i++) {
                bx[i] = x[order[b + i]];
                bt[i] = t[order[b + i]];
            }
            CHECK(dsc_model_zero_grad(model));
            CHECK(dsc_model_forward(model, bx, BATCH, &y));
            CHECK(dsc_loss_forward(loss, y, bt, BATCH, 1, &value));
            CHECK(dsc_loss_backward(loss, dy));
            CHECK(dsc_model_backward(model, dy, BATCH));
            CHECK(dsc_optimizer_step(opt));
        }
        if (epoch % 40 == 0) {
            CHECK(dsc_model_predict(model, x, N, pred));
            CHECK(dsc_loss_forward(loss, pred, t, N, 1, &value));
            printf("epoch %3d  training MSE %.6f\n", epoch, value);
        }
    }
    CHECK(dsc_model_predict(model, x, N, pred));
    CHECK(dsc_loss_forward(loss, pred, t, N, 1, &value));
    printf("final loss: %.6f (noise variance 0.0025)\n", value);

    dsc_optimizer_free(opt);
    dsc_loss_free(loss);
    dsc_model_free(model);
    return 0;
}
