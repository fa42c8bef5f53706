/* XOR with a 2-4-1 network: the smallest complete training program.
 *
 *   model: dense(2 -> 4), tanh, dense(4 -> 1), sigmoid     loss: MSE
 *   optimizer: SGD with momentum, full batch of the 4 samples
 *
 * Copy it, change the data and the layers, and you have a trainer. */
#include <descent.h>
#include <stdio.h>

/* Every descent call returns a status; stop with the library's message. */
#define CHECK(call)                                                              \
    do {                                                                         \
        dsc_status s_ = (call);                                                  \
        if (s_ != DSC_OK) {                                                      \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__,               \
                    dsc_status_name(s_), dsc_last_error());                      \
            return 1;                                                            \
        }                                                                        \
    } while (0)

int main(void) {
    const float x[4 * 2] = {0, 0, 0, 1, 1, 0, 1, 1};
    const float target[4] = {0, 1, 1, 0};
    dsc_model *model = NULL;
    dsc_loss *loss = NULL;
    dsc_optimizer *opt = NULL;

    CHECK(dsc_model_new(&model, 2));
    CHECK(dsc_model_add_dense(model, 4, 1));         /* 2 -> 4, with bias */
    CHECK(dsc_model_add_activation(model, DSC_ACTIVATION_TANH));
    CHECK(dsc_model_add_dense(model, 1, 1));         /* 4 -> 1 */
    CHECK(dsc_model_add_activation(model, DSC_ACTIVATION_SIGMOID));
    CHECK(dsc_model_build(model, 4));                /* all memory is allocated here */
    CHECK(dsc_model_init(model, DSC_INIT_XAVIER_UNIFORM, DSC_INIT_ZEROS, 3));

    CHECK(dsc_loss_new(&loss, DSC_LOSS_MSE));
    CHECK(dsc_optimizer_new(&opt, DSC_OPTIMIZER_SGD));
    CHECK(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.5));
    CHECK(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_MOMENTUM, 0.9));
    CHECK(dsc_optimizer_add_model(opt, model, NULL));

    double value = 0;
    float dy[4];
    for (int epoch = 1; epoch <= 500; epoch++) {
        const float *y = NULL;
        CHECK(dsc_model_zero_grad(model));
        CHECK(dsc_model_forward(model, x, 4, &y));
        CHECK(dsc_loss_forward(loss, y, target, 4, 1, &value));
        CHECK(dsc_loss_backward(loss, dy));
        CHECK(dsc_model_backward(model, dy, 4));
        CHECK(dsc_optimizer_step(opt));
        if (epoch % 100 == 0) printf("epoch %3d  loss %.6f\n", epoch, value);
    }

    float y[4];
    CHECK(dsc_model_predict(model, x, 4, y));
    for (int i = 0; i < 4; i++)
        printf("%g xor %g = %.3f (want %g)\n", x[2 * i], x[2 * i + 1], y[i], target[i]);
    CHECK(dsc_loss_forward(loss, y, target, 4, 1, &value));
    printf("final loss: %.6f\n", value);

    dsc_optimizer_free(opt);
    dsc_loss_free(loss);
    dsc_model_free(model);
    return 0;
}
