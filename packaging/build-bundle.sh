#!/usr/bin/env bash
# build-bundle.sh OUTDIR: the offline install bundle (`make dist`).
#
# OUTDIR/edgetop-VERSION-DISTRO-pyX.Y-ARCH.tar.gz holds edgetop and every dependency as
# wheels (libvirt-python built here, once, against this machine's libvirt), the man page
# and completions generated from the parser, themes, contrib/, the example config and
# install.sh, which needs only python3, python3-venv and the libvirt library on the node.
# Build on the distribution and architecture of the nodes: the wheels are for this
# machine's Python minor version and CPU.
#
# PYTHON builds the wheels (default python3); DEV_PYTHON runs the generators and needs
# edgetop's dependencies and shtab (default .venv/bin/python, as `make dist` sets it up).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:?usage: build-bundle.sh OUTDIR}" && cd "$1" && pwd)
python=${PYTHON:-python3}
dev_python=${DEV_PYTHON:-$root/.venv/bin/python}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/stage
mkdir -p "$stage/wheels"

# edgetop's wheel (its version from the git tag) and a wheel of every dependency; pip
# takes the registry's wheels where they exist and builds the rest (libvirt-python).
"$python" -m pip wheel -q --wheel-dir "$stage/wheels" "$root"
wheel=$(cd "$stage/wheels" && ls edgetop-*.whl)
version=${wheel#edgetop-}
version=${version%%-*}

pyver=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
. /etc/os-release
name=edgetop-$version-${ID}${VERSION_ID:-}-py$pyver-$(uname -m)
bundle=$work/$name
mv "$stage" "$bundle"

share=$bundle/share
mkdir -p "$share/man/man1" "$share/edgetop" "$share/doc/edgetop"
"$dev_python" "$root/tools/gen_manpage.py" "$share/man/man1/edgetop.1" "$version"
"$dev_python" "$root/tools/gen_completions.py" "$work/completions"
mkdir -p "$share/bash-completion/completions" "$share/zsh/site-functions"
cp "$work/completions/bash/edgetop" "$share/bash-completion/completions/edgetop"
cp "$work/completions/zsh/_edgetop" "$share/zsh/site-functions/_edgetop"
mkdir -p "$share/edgetop/themes"
cp "$root"/edgetop/themes/*.yaml "$share/edgetop/themes/"  # the files: edgetop/themes is a link
mkdir -p "$share/edgetop/contrib"
cp "$root"/contrib/*.service "$root"/contrib/*.conf "$share/edgetop/contrib/"
# Prometheus scrape/federation configs and alerting rules (their own directory: install.sh
# rewrites every file in contrib/ with the prefix, and these name none).
cp -r "$root/contrib/prometheus" "$share/edgetop/prometheus"
cp "$root/contrib/edgetop.example.yaml" "$root/README.md" "$root/CHANGELOG.md" "$root/LICENSE" "$share/doc/edgetop/"

cp "$root/packaging/install.sh" "$bundle/install.sh"
chmod 755 "$bundle/install.sh"
printf '%s\n' "$version" >"$bundle/VERSION"
printf '%s\n' "$pyver" >"$bundle/PYTHON_VERSION"
uname -m >"$bundle/MACHINE"
(cd "$bundle" && find wheels share -type f -print0 | sort -z | xargs -0 sha256sum >SHA256SUMS)

tar -C "$work" -czf "$out/$name.tar.gz" "$name"
echo "$out/$name.tar.gz"
