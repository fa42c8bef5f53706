// A C++ program on descent.hpp: load a CSV, train, save the model, load it
// back and evaluate it.
//
//   cpp_app [--csv FILE --target COLUMN] [--out DIR] [--epochs N]
//
// Without --csv it first writes DIR/cpp_app_data.csv (600 rows: y = sin(3 x1)
// + x2 x3 plus noise) so that it runs anywhere. Errors are exceptions
// (descent::error carries the dsc_status and the library's message); every
// handle frees itself. Build: c++ -std=c++17 cpp_app.cpp $(pkg-config --cflags --libs descent)
#define DESCENT_EXPERIMENTAL_API // model files (dsc_model_save/load) are in the experimental tier
#include <descent.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <string>

static std::string write_demo_csv(const std::string &dir) {
    std::string path = dir + "/cpp_app_data.csv";
    std::ofstream f(path);
    if (!f) throw std::runtime_error("cannot write " + path);
    std::mt19937 rng(5);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    std::normal_distribution<double> noise(0.0, 0.05);
    f << "x1,x2,x3,y\n";
    for (int i = 0; i < 600; i++) {
        double x1 = u(rng), x2 = u(rng), x3 = u(rng);
        f << x1 << ',' << x2 << ',' << x3 << ',' << std::sin(3 * x1) + x2 * x3 + noise(rng) << '\n';
    }
    return path;
}

int main(int argc, char **argv) {
    std::string csv, target = "y", out = ".";
    int epochs = 200;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--csv" && i + 1 < argc) csv = argv[++i];
        else if (a == "--target" && i + 1 < argc) target = argv[++i];
        else if (a == "--out" && i + 1 < argc) out = argv[++i];
        else if (a == "--epochs" && i + 1 < argc) epochs = std::atoi(argv[++i]);
        else {
            std::cerr << "usage: cpp_app [--csv FILE --target COLUMN] [--out DIR] [--epochs N]\n";
            return 2;
        }
    }
    try {
        if (csv.empty()) csv = write_demo_csv(out);
        descent::dataset all = descent::dataset::load_csv(csv.c_str(), target.c_str());
        auto [train, val] = all.split(0.2, 42);
        auto [mean, std_dev] = train.standardize();   // the validation set uses the training statistics
        val.standardize_like(mean, std_dev);
        const std::size_t features = train.features();
        std::cout << "data: " << csv << ", " << all.count() << " rows, " << features
                  << " features, target '" << target << "'\n";

        descent::model model(features);
        model.add_dense(32);
        model.add_activation(DSC_ACTIVATION_TANH);
        model.add_dense(32);
        model.add_activation(DSC_ACTIVATION_TANH);
        model.add_dense(1);
        model.build(32);
        model.init(DSC_INIT_XAVIER_UNIFORM, DSC_INIT_ZEROS, 1);

        descent::loss loss(DSC_LOSS_MSE);
        descent::optimizer opt(DSC_OPTIMIZER_ADAMW);
        opt.set(DSC_OPTIMIZER_PARAM_LR, 0.01);
        opt.add_model(model);
        descent::lr_scheduler sched(DSC_SCHED_COSINE, opt);
        sched.set(DSC_SCHED_PARAM_T_MAX, epochs);

        descent::trainer trainer(model, loss, opt, train);
        trainer.set_validation(val);
        trainer.set_scheduler(sched, DSC_STEP_PER_EPOCH);
        trainer.set(DSC_TRAINER_PARAM_BATCH_SIZE, 32);
        trainer.set(DSC_TRAINER_PARAM_EPOCHS, epochs);
        trainer.set(DSC_TRAINER_PARAM_SEED, 7);
        trainer.on_epoch([epochs](const descent::progress &p) {
            int e = static_cast<int>(p.get(DSC_PROGRESS_EPOCH));
            if (e == 1 || e % (epochs / 4 > 0 ? epochs / 4 : 1) == 0)
                std::printf("epoch %4d  train %.5f  val %.5f  lr %.5f\n", e,
                            p.get(DSC_PROGRESS_EPOCH_LOSS), p.get(DSC_PROGRESS_VAL_LOSS),
                            p.get(DSC_PROGRESS_LR));
            return false;   // true would stop training
        });
        trainer.run();
        double val_loss = descent::evaluate(model, loss, val).first;

        std::string path = out + "/cpp_app_model.safetensors";
        model.save(path.c_str());
        descent::model reloaded = descent::model::load(path.c_str(), 32);
        double reloaded_loss = descent::evaluate(reloaded, loss, val).first;
        std::printf("validation MSE %.5f (the demo data's noise alone gives 0.0025)\n", val_loss);
        std::printf("saved %s; reloaded model's validation MSE %.5f: %s\n", path.c_str(),
                    reloaded_loss, reloaded_loss == val_loss ? "identical" : "DIFFERENT");
        return reloaded_loss == val_loss ? 0 : 1;
    } catch (const descent::error &e) {
        std::cerr << "descent: " << e.what() << '\n';
        return 1;
    } catch (const std::exception &e) {
        std::cerr << "cpp_app: " << e.what() << '\n';
        return 1;
    }
}
