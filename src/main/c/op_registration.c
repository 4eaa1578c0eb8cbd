/* Op and kernel registration shared by the library's op files (see op_registration.h). */
#include "op_registration.h"

int dc_register_op(const char* name, const char* const* inputs, const char* const* outputs,
                   const char* const* attrs,
                   void (*shapes)(TF_ShapeInferenceContext*, TF_Status*),
                   void* (*create)(TF_OpKernelConstruction*),
                   void (*compute)(void*, TF_OpKernelContext*), void (*destroy)(void*),
                   TF_Status* status) {
  TF_OpDefinitionBuilder* op = TF_NewOpDefinitionBuilder(name);
  for (const char* const* in = inputs; *in != NULL; in++) TF_OpDefinitionBuilderAddInput(op, *in);
  for (const char* const* out = outputs; *out != NULL; out++) {
    TF_OpDefinitionBuilderAddOutput(op, *out);
  }
  for (const char* const* a = attrs; *a != NULL; a++) TF_OpDefinitionBuilderAddAttr(op, *a);
  TF_OpDefinitionBuilderSetShapeInferenceFunction(op, shapes);
  TF_RegisterOpDefinition(op, status);
  if (TF_GetCode(status) != DC_TF_OK) return -1;
  TF_RegisterKernelBuilder(name, TF_NewKernelBuilder(name, "CPU", create, compute, destroy),
                           status);
  return TF_GetCode(status) == DC_TF_OK ? 0 : -1;
}

void dc_pass_shapes(TF_ShapeInferenceContext* ctx, int n, TF_Status* status) {
  for (int i = 0; i < n && TF_GetCode(status) == DC_TF_OK; i++) {
    TF_ShapeHandle* h = TF_NewShapeHandle();
    TF_ShapeInferenceContextGetInput(ctx, i, h, status);
    if (TF_GetCode(status) == DC_TF_OK) TF_ShapeInferenceContextSetOutput(ctx, i, h, status);
    TF_DeleteShapeHandle(h);
  }
}

void* dc_no_state(TF_OpKernelConstruction* ctx) {
  (void)ctx;
  return NULL;
}

void dc_no_delete(void* state) { (void)state; }
