/* The fused optimizer updates of kernels.h, written once over a thin
 * vector layer and instantiated by each ISA's update.c. The including file
 * defines, before including this header:
 *   DSC_VW       lanes per vector (1 for the scalar reference)
 *   VT           the vector type
 *   V_ld(p) V_st(p, x) V_set(c) V_add V_sub V_mul V_div V_sqrt V_max V_min V_abs
 *                with V_max(a, b) = a > b ? a : b and V_min(a, b) = a < b ? a : b
 *                lane-wise (MAXPS/MINPS semantics), unaligned loads and stores.
 *   V_gt(a, b) V_lt(a, b)  lane-wise ordered comparisons (false for NaN), giving
 *                a mask only V_sel reads; V_sel(m, x, y) = m ? x : y lane-wise.
 * The main loop handles DSC_VW elements at a time; the tail runs the very same
 * expression on single floats (S_*), so outputs are written exactly within
 * [0, n) and every lane computes what scalar computes: no FMA, the same
 * correctly rounded operations in the same order, hence bit-identical results.
 * Each kernel copies its arguments to a local first: the struct holds floats,
 * so without the copy every store to p or a state buffer could alias it and
 * the compiler would reload and re-broadcast every scalar on each iteration.
 * Only static functions; the including file's init stores their addresses. */
#ifndef DSC_KERNELS_UPDATE_TMPL_H
#define DSC_KERNELS_UPDATE_TMPL_H

#include "kernels.h"

#include <math.h>
#include <stddef.h>

#define S_ld(p) (*(p))
#define S_st(p, x) (*(p) = (x))
#define S_set(c) (c)
#define S_add(a, b) ((a) + (b))
#define S_sub(a, b) ((a) - (b))
#define S_mul(a, b) ((a) * (b))
#define S_div(a, b) ((a) / (b))
#define S_sqrt(a) sqrtf(a)
#define S_max(a, b) ((a) > (b) ? (a) : (b))
#define S_min(a, b) ((a) < (b) ? (a) : (b))
#define S_abs(a) fabsf(a)
#define S_gt(a, b) ((a) > (b))
#define S_lt(a, b) ((a) < (b))
#define S_sel(m, x, y) ((m) ? (x) : (y))

/* The effective gradient of element i (see dsc_update_args): clip, sign,
 * coupled weight decay. pv is p[i] already loaded. Multiplying by 1 and
 * clamping a finite value to +-inf change nothing, so those operations are
 * skipped when clipping is off (the step has checked g is finite). */
#define UPD_GRAD(P, T, i, pv, wd)                                                   \
    T g_ = P##ld(g + (i));                                                          \
    if (clipping) {                                                                 \
        g_ = P##mul(g_, P##set(a->gscale));                                         \
        g_ = P##min(P##max(g_, P##set(-a->gclip)), P##set(a->gclip));               \
    }                                                                               \
    if (a->gsign != 1.0f) g_ = P##mul(g_, P##set(a->gsign));                        \
    if ((wd) != 0.0f) g_ = P##add(g_, P##mul(P##set(wd), (pv)));

/* What a body does with each value it produces for a buffer: UPD_ST stores
 * it (the update); UPD_FINk only adds x * 0 to accumulator k (the check:
 * +-0 for a finite x, NaN for NaN or an infinity, and NaN stays NaN), so the
 * check computes every value the update would write, with the very same
 * operations, and writes nothing. Four vector accumulators keep the check
 * from waiting on one chain of additions; the multiplication (rather than
 * x - x) leaves the adder free for the update's own arithmetic. */
#define UPD_ST(P, ptr, x) P##st(ptr, x)
#define UPD_FIN_(acc, T, P, x)                                                      \
    do {                                                                            \
        const T x_ = (x);                                                           \
        acc = P##add(acc, P##mul(x_, P##set(0.0f)));                                \
    } while (0)
#define UPD_FIN0(P, ptr, x) UPD_FIN_(vfin0_, VT, V_, x)
#define UPD_FIN1(P, ptr, x) UPD_FIN_(vfin1_, VT, V_, x)
#define UPD_FIN2(P, ptr, x) UPD_FIN_(vfin2_, VT, V_, x)
#define UPD_FIN3(P, ptr, x) UPD_FIN_(vfin3_, VT, V_, x)
#define UPD_FINS(P, ptr, x) UPD_FIN_(sfin_, float, S_, x)

/* Runs BODY(P, T, i, ST) over [0, n): vectors, then single floats. */
#define UPD_LOOP(BODY)                                                              \
    size_t i = 0;                                                                   \
    for (; i + DSC_VW <= n; i += DSC_VW) { BODY(V_, VT, i, UPD_ST) }                \
    for (; i < n; i++) { BODY(S_, float, i, UPD_ST) }

/* The check of BODY over [0, n): four vectors at a time, then vectors, then
 * single floats; returns 1 if every value is finite. */
#define UPD_CHECK(BODY)                                                             \
    VT vfin0_ = V_set(0.0f), vfin1_ = V_set(0.0f), vfin2_ = V_set(0.0f),            \
       vfin3_ = V_set(0.0f);                                                        \
    float sfin_ = 0.0f;                                                             \
    size_t i = 0;                                                                   \
    for (; i + 4 * DSC_VW <= n; i += 4 * DSC_VW) {                                  \
        { BODY(V_, VT, i, UPD_FIN0) }                                               \
        { BODY(V_, VT, i + DSC_VW, UPD_FIN1) }                                      \
        { BODY(V_, VT, i + 2 * DSC_VW, UPD_FIN2) }                                  \
        { BODY(V_, VT, i + 3 * DSC_VW, UPD_FIN3) }                                  \
    }                                                                               \
    for (; i + DSC_VW <= n; i += DSC_VW) { BODY(V_, VT, i, UPD_FIN0) }              \
    for (; i < n; i++) { BODY(S_, float, i, UPD_FINS) }                             \
    return upd_verdict(V_add(V_add(vfin0_, vfin1_), V_add(vfin2_, vfin3_)), sfin_);

static int upd_verdict(VT vfin, float sfin) {
    float lanes[DSC_VW];
    V_st(lanes, vfin);
    for (int k = 0; k < DSC_VW; k++) sfin = sfin + lanes[k];
    return sfin == 0.0f;
}

#define SGD_BODY(P, T, i, ST)                                                           \
    T p_ = P##ld(p + (i));                                                          \
    UPD_GRAD(P, T, i, p_, a->weight_decay)                                          \
    if (a->momentum != 0.0f) {                                                      \
        T b_ = g_;                                                                  \
        if (!a->first_step)                                                         \
            b_ = P##add(P##mul(P##set(a->momentum), P##ld(buf + (i))),              \
                        P##mul(P##set(a->one_m_dampening), g_));                    \
        ST(P, buf + (i), b_);                                                       \
        g_ = a->nesterov ? P##add(g_, P##mul(P##set(a->momentum), b_)) : b_;        \
    }                                                                               \
    ST(P, p + (i), P##sub(p_, P##mul(P##set(a->lr), g_)));

/* Plain SGD (no clipping, maximize, weight decay or momentum), the common
 * online-learning case: p = p - lr*g as SGD_BODY computes it, two vectors
 * per iteration and no per-element tests, so small groups run at load/store
 * speed instead of paying SGD_BODY's branches on every vector. */
static void upd_sgd_plain(size_t n, float *p, const float *g, float lr) {
    const VT vlr = V_set(lr);
    size_t i = 0;
    for (; i + 2 * DSC_VW <= n; i += 2 * DSC_VW) {
        const VT p0 = V_ld(p + i), p1 = V_ld(p + i + DSC_VW);
        const VT g0 = V_ld(g + i), g1 = V_ld(g + i + DSC_VW);
        V_st(p + i, V_sub(p0, V_mul(vlr, g0)));
        V_st(p + i + DSC_VW, V_sub(p1, V_mul(vlr, g1)));
    }
    for (; i + DSC_VW <= n; i += DSC_VW) V_st(p + i, V_sub(V_ld(p + i), V_mul(vlr, V_ld(g + i))));
    for (; i < n; i++) p[i] = p[i] - lr * g[i];
}

/* Heavy-ball momentum after the first step, no Nesterov, clipping, maximize
 * or decay (the usual SGD with momentum): b = mu*b + (1-d)*g; p = p - lr*b,
 * SGD_BODY's operations without its per-vector tests. */
static void upd_sgd_momentum(size_t n, float *p, const float *g, float *buf, float lr, float mu,
                             float omd) {
    const VT vlr = V_set(lr), vmu = V_set(mu), vomd = V_set(omd);
    size_t i = 0;
    for (; i + DSC_VW <= n; i += DSC_VW) {
        const VT b = V_add(V_mul(vmu, V_ld(buf + i)), V_mul(vomd, V_ld(g + i)));
        V_st(buf + i, b);
        V_st(p + i, V_sub(V_ld(p + i), V_mul(vlr, b)));
    }
    for (; i < n; i++) {
        const float b = mu * buf[i] + omd * g[i];
        buf[i] = b;
        p[i] = p[i] - lr * b;
    }
}

static void upd_sgd(size_t n, float *p, const float *g, float *buf, const dsc_update_args *ap) {
    const dsc_update_args args = *ap, *a = &args; /* no aliasing with the float outputs */
    const int clipping = a->gscale != 1.0f || a->gclip != INFINITY;
    if (!clipping && a->gsign == 1.0f && a->weight_decay == 0.0f) {
        if (a->momentum == 0.0f) {
            upd_sgd_plain(n, p, g, a->lr);
            return;
        }
        if (!a->first_step && !a->nesterov) {
            upd_sgd_momentum(n, p, g, buf, a->lr, a->momentum, a->one_m_dampening);
            return;
        }
    }
    UPD_LOOP(SGD_BODY)
}

/* The checks of upd_sgd's two fast paths, as bodies of their operations. */
#define SGD_PLAIN_BODY(P, T, i, ST)                                                 \
    ST(P, p + (i), P##sub(P##ld(p + (i)), P##mul(P##set(lr), P##ld(g + (i)))));

#define SGD_MOMENTUM_BODY(P, T, i, ST)                                              \
    const T b_ = P##add(P##mul(P##set(mu), P##ld(buf + (i))),                       \
                        P##mul(P##set(omd), P##ld(g + (i))));                       \
    ST(P, buf + (i), b_);                                                           \
    ST(P, p + (i), P##sub(P##ld(p + (i)), P##mul(P##set(lr), b_)));

static int chk_sgd_plain(size_t n, const float *p, const float *g, float lr) {
    UPD_CHECK(SGD_PLAIN_BODY)
}

static int chk_sgd_momentum(size_t n, const float *p, const float *g, const float *buf, float lr,
                            float mu, float omd) {
    UPD_CHECK(SGD_MOMENTUM_BODY)
}

static int chk_sgd(size_t n, const float *p, const float *g, const float *buf,
                   const dsc_update_args *ap) {
    const dsc_update_args args = *ap, *a = &args;
    const int clipping = a->gscale != 1.0f || a->gclip != INFINITY;
    if (!clipping && a->gsign == 1.0f && a->weight_decay == 0.0f) {
        if (a->momentum == 0.0f) return chk_sgd_plain(n, p, g, a->lr);
        if (!a->first_step && !a->nesterov)
            return chk_sgd_momentum(n, p, g, buf, a->lr, a->momentum, a->one_m_dampening);
    }
    UPD_CHECK(SGD_BODY)
}

#define ADAGRAD_BODY(P, T, i, ST)                                                       \
    T p_ = P##ld(p + (i));                                                          \
    UPD_GRAD(P, T, i, p_, a->weight_decay)                                          \
    T s_ = P##add(P##ld(sum + (i)), P##mul(g_, g_));                                \
    ST(P, sum + (i), s_);                                                           \
    T d_ = P##add(P##sqrt(s_), P##set(a->eps));                                     \
    ST(P, p + (i), P##sub(p_, P##div(P##mul(P##set(a->c0), g_), d_)));

static void upd_adagrad(size_t n, float *p, const float *g, float *sum, const dsc_update_args *ap) {
    const dsc_update_args args = *ap, *a = &args; /* no aliasing with the float outputs */
    const int clipping = a->gscale != 1.0f || a->gclip != INFINITY;
    UPD_LOOP(ADAGRAD_BODY)
}

static int chk_adagrad(size_t n, const float *p, const float *g, const float *sum,
                       const dsc_update_args *ap) {
    const dsc_update_args args = *ap, *a = &args;
    const int clipping = a->gscale != 1.0f || a->gclip != INFINITY;
    UPD_CHECK(ADAGRAD_BODY)
}

#define RMSPROP_BODY(P, T, i, ST)                                                       \
    T p_ = P##ld(p + (i));                                                          \
    UPD_GRAD(P, T, i, p_, a->weight_decay)                                          \
    T v_ = P##add(P##mul(P##set(a->beta2), P##ld(sq_avg + (i))),                    \
                  P##mul(P##set(a->one_m_beta2), P##mul(g_, g_)));                  \
    ST(P, sq_avg + (i), v_);                                                        \
    T d_;                                                                           \
    if (a->centered) {                                                              \
        T ga_ = P##add(P##mul(P##set(a->beta2), P##ld(grad_avg + (i))),            \
                       P##mul(P##set(a->one_m_beta2), g_));                         \
        ST(P, grad_avg + (i), ga_);                                                 \
        d_ = P##add(P##sqrt(P##sub(v_, P##mul(ga_, ga_))), P##set(a->eps));         \
    } else {                                                                        \
        d_ = P##add(P##sqrt(v_), P##set(a->eps));                                   \
    }                                                                               \
    if (a->momentum > 0.0f) {                                                       \
        T b_ = P##add(P##mul(P##set(a->momentum), P##ld(buf + (i))), P##div(g_, d_)); \
        ST(P, buf + (i), b_);                                                       \
        ST(P, p + (i), P##sub(p_, P##mul(P##set(a->lr), b_)));                     \
    } else {                                                                        \
        ST(P, p + (i), P##sub(p_, P##mul(P##set(a->lr), P##div(g_, d_))));         \
    }

static void upd_rmsprop(size_t n, float *p, const float *g, float *sq_avg, float *grad_avg,
                        float *buf, const dsc_update_args *ap) {
    const dsc_update_args args = *ap, *a = &args; /* no aliasing with the float outputs */
    const int clipping = a->gscale != 1.0f || a->gclip != INFINITY;
    UPD_LOOP(RMSPROP_BODY)
}

static int chk_rmsprop(size_t n, const float *p, const float *g, const float *sq_avg,
                       const float *grad_avg, const float *buf, const dsc_update_args *ap) {
    const dsc_update_args args = *ap, *a = &args;
    const int clipping = a->gscale != 1.0f || a->gclip != INFINITY;
    UPD_CHECK(RMSPROP_BODY)
}

/* The Adam family's moments: m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2,
 * stored back; m_ and v_ hold the new values for the rest of the body. */
#define UPD_ADAM_MOMENTS(P, T, i, ST)                                                   \
    T m_ = P##add(P##mul(P##set(a->beta1), P##ld(m + (i))),                         \
                  P##mul(P##set(a->one_m_beta1), g_));                              \
    T v_ = P##add(P##mul(P##set(a->beta2), P##ld(v + (i))),                         \
                  P##mul(P##set(a->one_m_beta2), P##mul(g_, g_)));                  \
    ST(P, m + (i), m_);                                                             \
    ST(P, v + (i), v_);

#define ADAM_BODY(P, T, i, ST)                                                          \
    T p_ = P##ld(p + (i));                                                          \
    if (a->decoupled) p_ = P##mul(p_, P##set(a->c1));                               \
    UPD_GRAD(P, T, i, p_, wd)                                                       \
    UPD_ADAM_MOMENTS(P, T, i, ST)                                                   \
    if (a->amsgrad) {                                                               \
        v_ = P##max(P##ld(vmax + (i)), v_);                                         \
        ST(P, vmax + (i), v_);                                                      \
    }                                                                               \
    T d_ = P##add(P##mul(P##sqrt(v_), P##set(a->c2)), P##set(a->eps));              \
    ST(P, p + (i), P##sub(p_, P##div(P##mul(P##set(a->c0), m_), d_)));

static void upd_adam(size_t n, float *p, const float *g, float *m, float *v, float *vmax,
                     const dsc_update_args *ap) {
    const dsc_update_args args = *ap, *a = &args; /* no aliasing with the float outputs */
    const int clipping = a->gscale != 1.0f || a->gclip != INFINITY;
    const float wd = a->decoupled ? 0.0f : a->weight_decay;
    UPD_LOOP(ADAM_BODY)
}

static int chk_adam(size_t n, const float *p, const float *g, const float *m, const float *v,
                    const float *vmax, const dsc_update_args *ap) {
    const dsc_update_args args = *ap, *a = &args;
    const int clipping = a->gscale != 1.0f || a->gclip != INFINITY;
    const float wd = a->decoupled ? 0.0f : a->weight_decay;
    UPD_CHECK(ADAM_BODY)
}

#define ADADELTA_BODY(P, T, i, ST)                                                      \
    T p_ = P##ld(p + (i));                                                          \
    UPD_GRAD(P, T, i, p_, a->weight_decay)                                          \
    T v_ = P##add(P##mul(P##set(a->beta1), P##ld(sq_avg + (i))),                    \
                  P##mul(P##set(a->one_m_beta1), P##mul(g_, g_)));                  \
    ST(P, sq_avg + (i), v_);                                                        \
    T u_ = P##ld(acc_delta + (i));                                                  \
    T d_ = P##mul(P##div(P##sqrt(P##add(u_, P##set(a->eps))),                       \
                         P##sqrt(P##add(v_, P##set(a->eps)))), g_);                 \
    ST(P, acc_delta + (i), P##add(P##mul(P##set(a->beta1), u_),                     \
                                  P##mul(P##set(a->one_m_beta1), P##mul(d_, d_)))); \
    ST(P, p + (i), P##sub(p_, P##mul(P##set(a->lr), d_)));

static void upd_adadelta(size_t n, float *p, const float *g, float *sq_avg, float *acc_delta,
                         const dsc_update_args *ap) {
    const dsc_update_args args = *ap, *a = &args; /* no aliasing with the float outputs */
    const int clipping = a->gscale != 1.0f || a->gclip != INFINITY;
    UPD_LOOP(ADADELTA_BODY)
}

static int chk_adadelta(size_t n, const float *p, const float *g, const float *sq_avg,
                        const float *acc_delta, const dsc_update_args *ap) {
    const dsc_update_args args = *ap, *a = &args;
    const int clipping = a->gscale != 1.0f || a->gclip != INFINITY;
    UPD_CHECK(ADADELTA_BODY)
}

#define ADAMAX_BODY(P, T, i, ST)                                                        \
    T p_ = P##ld(p + (i));                                                          \
    UPD_GRAD(P, T, i, p_, a->weight_decay)                                          \
    T m_ = P##add(P##mul(P##set(a->beta1), P##ld(m + (i))),                         \
                  P##mul(P##set(a->one_m_beta1), g_));                              \
    T u_ = P##max(P##mul(P##set(a->beta2), P##ld(u + (i))),                         \
                  P##add(P##abs(g_), P##set(a->eps)));                              \
    ST(P, m + (i), m_);                                                             \
    ST(P, u + (i), u_);                                                             \
    ST(P, p + (i), P##sub(p_, P##div(P##mul(P##set(a->c0), m_), u_)));

static void upd_adamax(size_t n, float *p, const float *g, float *m, float *u,
                       const dsc_update_args *ap) {
    const dsc_update_args args = *ap, *a = &args; /* no aliasing with the float outputs */
    const int clipping = a->gscale != 1.0f || a->gclip != INFINITY;
    UPD_LOOP(ADAMAX_BODY)
}

static int chk_adamax(size_t n, const float *p, const float *g, const float *m, const float *u,
                      const dsc_update_args *ap) {
    const dsc_update_args args = *ap, *a = &args;
    const int clipping = a->gscale != 1.0f || a->gclip != INFINITY;
    UPD_CHECK(ADAMAX_BODY)
}

#define NADAM_BODY(P, T, i, ST)                                                         \
    T p_ = P##ld(p + (i));                                                          \
    UPD_GRAD(P, T, i, p_, a->weight_decay)                                          \
    UPD_ADAM_MOMENTS(P, T, i, ST)                                                   \
    T d_ = P##add(P##sqrt(P##mul(v_, P##set(a->c2))), P##set(a->eps));              \
    p_ = P##sub(p_, P##div(P##mul(P##set(a->c0), g_), d_));                         \
    ST(P, p + (i), P##sub(p_, P##div(P##mul(P##set(a->c1), m_), d_)));

static void upd_nadam(size_t n, float *p, const float *g, float *m, float *v,
                      const dsc_update_args *ap) {
    const dsc_update_args args = *ap, *a = &args; /* no aliasing with the float outputs */
    const int clipping = a->gscale != 1.0f || a->gclip != INFINITY;
    UPD_LOOP(NADAM_BODY)
}

static int chk_nadam(size_t n, const float *p, const float *g, const float *m, const float *v,
                     const dsc_update_args *ap) {
    const dsc_update_args args = *ap, *a = &args;
    const int clipping = a->gscale != 1.0f || a->gclip != INFINITY;
    UPD_CHECK(NADAM_BODY)
}

#define RADAM_BODY(P, T, i, ST)                                                         \
    T p_ = P##ld(p + (i));                                                          \
    UPD_GRAD(P, T, i, p_, a->weight_decay)                                          \
    UPD_ADAM_MOMENTS(P, T, i, ST)                                                   \
    if (a->rectify)                                                                 \
        p_ = P##sub(p_, P##div(P##mul(P##set(a->c0), m_),                           \
                               P##add(P##sqrt(v_), P##set(a->eps))));               \
    else                                                                            \
        p_ = P##sub(p_, P##mul(P##set(a->c0), m_));                                 \
    ST(P, p + (i), p_);

static void upd_radam(size_t n, float *p, const float *g, float *m, float *v,
                      const dsc_update_args *ap) {
    const dsc_update_args args = *ap, *a = &args; /* no aliasing with the float outputs */
    const int clipping = a->gscale != 1.0f || a->gclip != INFINITY;
    UPD_LOOP(RADAM_BODY)
}

static int chk_radam(size_t n, const float *p, const float *g, const float *m, const float *v,
                     const dsc_update_args *ap) {
    const dsc_update_args args = *ap, *a = &args;
    const int clipping = a->gscale != 1.0f || a->gclip != INFINITY;
    UPD_CHECK(RADAM_BODY)
}

/* Rprop (kernels.h): the sign of g*prev picks the step-size factor; after a
 * sign change the gradient counts as 0, so the parameter stays and the next
 * step keeps its step size. Selects rather than sign()*step: each result is
 * one correctly rounded p - s or p + s, what torch's addcmul_ gives. */
#define RPROP_BODY(P, T, i, ST)                                                         \
    const T p_ = P##ld(p + (i));                                                    \
    UPD_GRAD(P, T, i, p_, 0.0f)                                                     \
    const T z_ = P##set(0.0f);                                                      \
    const T q_ = P##mul(g_, P##ld(prev + (i)));                                     \
    T s_ = a->first_step ? P##set(a->lr) : P##ld(step + (i));                       \
    s_ = P##mul(s_, P##sel(P##gt(q_, z_), P##set(a->etaplus),                       \
                           P##sel(P##lt(q_, z_), P##set(a->etaminus), P##set(1.0f)))); \
    s_ = P##min(P##max(s_, P##set(a->step_min)), P##set(a->step_max));             \
    ST(P, step + (i), s_);                                                          \
    g_ = P##sel(P##lt(q_, z_), z_, g_);                                             \
    ST(P, prev + (i), g_);                                                          \
    ST(P, p + (i), P##sel(P##gt(g_, z_), P##sub(p_, s_),                            \
                          P##sel(P##lt(g_, z_), P##add(p_, s_), p_)));

static void upd_rprop(size_t n, float *p, const float *g, float *prev, float *step,
                      const dsc_update_args *ap) {
    const dsc_update_args args = *ap, *a = &args; /* no aliasing with the float outputs */
    const int clipping = a->gscale != 1.0f || a->gclip != INFINITY;
    UPD_LOOP(RPROP_BODY)
}

static int chk_rprop(size_t n, const float *p, const float *g, const float *prev,
                     const float *step, const dsc_update_args *ap) {
    const dsc_update_args args = *ap, *a = &args;
    const int clipping = a->gscale != 1.0f || a->gclip != INFINITY;
    UPD_CHECK(RPROP_BODY)
}

/* Stores every update and check kernel of this instantiation in the table. */
static void upd_fill(dsc_kernels *k) {
    k->update_sgd = upd_sgd;
    k->update_adagrad = upd_adagrad;
    k->update_rmsprop = upd_rmsprop;
    k->update_adam = upd_adam;
    k->update_adadelta = upd_adadelta;
    k->update_adamax = upd_adamax;
    k->update_nadam = upd_nadam;
    k->update_radam = upd_radam;
    k->update_rprop = upd_rprop;
    k->check_sgd = chk_sgd;
    k->check_adagrad = chk_adagrad;
    k->check_rmsprop = chk_rmsprop;
    k->check_adam = chk_adam;
    k->check_adadelta = chk_adadelta;
    k->check_adamax = chk_adamax;
    k->check_nadam = chk_nadam;
    k->check_radam = chk_radam;
    k->check_rprop = chk_rprop;
}

#endif
