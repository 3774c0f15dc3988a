#!/usr/bin/env bash
# Lays PyTorch's native libraries out the way DJL's LibUtils looks for them before it extracts or
# downloads anything: $ENGINE_CACHE_DIR/pytorch/<pytorch version>-<flavor>-linux-x86_64/ with the JNI
# library beside them as <djl version>-libdjl_torch.so. With ENGINE_CACHE_DIR and PYTORCH_FLAVOR set
# to match at run time, the engine starts offline and writes nothing.
#
# usage: libtorch.sh FLAVOR LIB_DIR DEST
#   FLAVOR   cpu: the libraries come from the pytorch-native-cpu jar in LIB_DIR, which is then removed
#            (it would otherwise win over any other flavor, and it is 450 MB);
#            cu128 (or another CUDA flavor DJL publishes): downloaded from DJL's release site
#   LIB_DIR  the application's dependency jars (the extracted Spring Boot "dependencies" layer)
#   DEST     the directory that ENGINE_CACHE_DIR names at run time
# LIBTORCH_DOWNLOADS (optional): keeps the compressed CUDA downloads across builds (a cache mount)
set -euo pipefail
flavor=$1 lib=$2 dest=$3
classifier=linux-x86_64

engine_jar=$(ls "$lib"/pytorch-engine-*.jar)
jni_jar=$(ls "$lib"/pytorch-jni-*.jar)
pytorch_version=$(unzip -p "$engine_jar" pytorch-engine.properties | sed -n 's/^pytorch_version=//p')
djl_version=$(unzip -p "$engine_jar" pytorch-engine.properties | sed -n 's/^djl_version=//p')
dir="$dest/pytorch/$pytorch_version-$flavor-$classifier"
mkdir -p "$dir"

case "$flavor" in
cpu)
    native_jar=$(ls "$lib"/pytorch-native-cpu-*-"$classifier".jar)
    unzip -j -q "$native_jar" "pytorch/cpu/$classifier/*" -d "$dir"
    rm "$native_jar"
    ;;
cu*)
    # the same index and file names DJL's own download uses (LibUtils.downloadPyTorch)
    site="https://publish.djl.ai/pytorch/$pytorch_version"
    curl -fsSL "$site/files.txt" | grep "^$flavor/$classifier/" > /tmp/libtorch-files.txt \
        || { echo "no $flavor natives for PyTorch $pytorch_version at $site" >&2; exit 1; }
    downloads="${LIBTORCH_DOWNLOADS:-/tmp/libtorch-downloads}/$pytorch_version"
    while read -r path; do
        gz="$downloads/$path"
        if [ ! -s "$gz" ]; then
            mkdir -p "$(dirname "$gz")"
            curl -fsSL "$site/$path" -o "$gz.part" && mv "$gz.part" "$gz"
        fi
        name=$(basename "$path" .gz)
        # names are URL-encoded in the index, as DJL decodes them
        gunzip -c "$gz" > "$dir/$(printf '%b' "${name//%/\\x}")"
    done < /tmp/libtorch-files.txt
    rm -f "$lib"/pytorch-native-cpu-*.jar
    ;;
*)
    echo "unknown flavor $flavor" >&2
    exit 1
    ;;
esac

unzip -p "$jni_jar" "jnilib/$classifier/$flavor/libdjl_torch.so" > "$dir/$djl_version-libdjl_torch.so"
[ -s "$dir/$djl_version-libdjl_torch.so" ] || { echo "$jni_jar has no $flavor JNI library" >&2; exit 1; }
[ -f "$dir/libtorch.so" ] || { echo "no libtorch.so in $dir" >&2; exit 1; }
ls -l "$dir"
