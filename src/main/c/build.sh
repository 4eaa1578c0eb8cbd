#!/bin/sh
# Builds dynconv's TensorFlow kernel library (libdynconv_kernels.so) into the jar's resources;
# run by Maven in process-classes: build.sh SOURCE_DIR CLASSES_DIR WORK_DIR
#
# Without a C compiler, or off linux-x86_64 (the only native runtime TF Java ships here), it
# builds nothing and says so: dynconv then runs on TensorFlow's own ops. With a compiler, a
# compile error fails the build.
set -eu
src="$1"; classes="$2"; work="$3"
CC="${CC:-cc}"
out="$classes/org/dynconv/conv/kernels/linux-x86_64"
rm -f "$out/libdynconv_kernels.so"
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "dynconv kernels: not built on $(uname -s)-$(uname -m) (linux x86_64 only); TensorFlow's ops are used" >&2
  exit 0
fi
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "dynconv kernels: not built, no C compiler '$CC' on PATH (set CC or install gcc); TensorFlow's ops are used" >&2
  exit 0
fi
mkdir -p "$work" "$out"
# The library names libtensorflow_framework.so.2 as a dependency (DT_NEEDED) without a path: at
# load time the dynamic loader finds the copy TF Java has already loaded by that name, so no
# rpath to TF Java's extraction folder is needed. A stub with that soname stands in at link time.
echo 'void dynconv_link_stub(void) {}' > "$work/stub.c"
"$CC" -shared -fPIC -o "$work/libtensorflow_framework.so.2" \
  -Wl,-soname,libtensorflow_framework.so.2 "$work/stub.c"
# -ffp-contract=fast: a * b + c as one fused multiply-add where the CPU has it (ISO C mode
# would keep them apart).
flags="-std=c11 -O3 -ffp-contract=fast -Wall -Wextra -Werror -fPIC -pthread"
# A compiler without the x86-64-v3/v4 names (GCC < 11) builds all three sets of loops for
# baseline x86-64, and the library then runs the baseline ones.
if echo 'int main(void){return 0;}' | "$CC" -march=x86-64-v4 -x c -o /dev/null - 2>/dev/null; then
  v4="-march=x86-64-v4"; v3="-march=x86-64-v3"; isa_builds="-DPE_HAVE_ISA_BUILDS"
else
  v4=""; v3=""; isa_builds=""
  echo "dynconv kernels: $CC does not know -march=x86-64-v4; only the baseline x86-64 loops are built" >&2
fi
# The loops (per_example_conv_regular.c, per_example_conv_depthwise.c) are built once per
# instruction set: vectors of its width, and a regular tile that fills its registers.
loops="per_example_conv_regular per_example_conv_depthwise"
objects=""
for f in $loops; do
  # shellcheck disable=SC2086 # the flag lists are meant to split
  "$CC" $flags $v4 -DPE_ISA=avx512 -DPE_VW=16 -DPE_P=12 -DPE_NV=2 -c -o "$work/${f}_avx512.o" "$src/$f.c"
  # shellcheck disable=SC2086
  "$CC" $flags $v3 -DPE_ISA=avx2 -DPE_VW=8 -DPE_P=6 -DPE_NV=2 -c -o "$work/${f}_avx2.o" "$src/$f.c"
  # shellcheck disable=SC2086
  "$CC" $flags -DPE_ISA=base -DPE_VW=4 -DPE_P=6 -DPE_NV=2 -c -o "$work/${f}_base.o" "$src/$f.c"
  objects="$objects $work/${f}_avx512.o $work/${f}_avx2.o $work/${f}_base.o"
done
others=""
for f in "$src"/*.c; do
  case " $loops " in *" $(basename "$f" .c) "*) ;; *) others="$others $f" ;; esac
done
# shellcheck disable=SC2086
"$CC" $flags $isa_builds -shared -o "$work/libdynconv_kernels.so" $others $objects \
  -L"$work" -Wl,--no-as-needed -l:libtensorflow_framework.so.2 -Wl,--as-needed -lm
cp "$work/libdynconv_kernels.so" "$out/libdynconv_kernels.so"
echo "dynconv kernels: built $out/libdynconv_kernels.so with $("$CC" --version | head -n 1)"
