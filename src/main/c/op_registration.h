/*
 * What the library's op files share to register an op and its CPU kernel through TensorFlow's C
 * API (op_registration.c).
 */
#ifndef DYNCONV_OP_REGISTRATION_H
#define DYNCONV_OP_REGISTRATION_H

#include "tf_c_api.h"

/*
 * Registers op `name` with its inputs, outputs and attributes ("name: type" specs, each list
 * NULL-terminated), its shape function, and its CPU kernel (create, compute, destroy); returns 0
 * when both registrations succeeded, otherwise -1 with `status` saying why.
 */
int dc_register_op(const char* name, const char* const* inputs, const char* const* outputs,
                   const char* const* attrs,
                   void (*shapes)(TF_ShapeInferenceContext*, TF_Status*),
                   void* (*create)(TF_OpKernelConstruction*),
                   void (*compute)(void*, TF_OpKernelContext*), void (*destroy)(void*),
                   TF_Status* status);

/* A shape function's body: output i has input i's shape, for i < n. */
void dc_pass_shapes(TF_ShapeInferenceContext* ctx, int n, TF_Status* status);

/* A kernel without state: create returns NULL, destroy does nothing. */
void* dc_no_state(TF_OpKernelConstruction* ctx);
void dc_no_delete(void* state);

#endif
