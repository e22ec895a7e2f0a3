#!/usr/bin/env bash
# Install edgetop from this offline bundle: no network, no compiler, no package index.
#
#   ./install.sh [--prefix DIR] [--link-root DIR | --no-links] [--python PYTHON]
#   ./install.sh --uninstall [--prefix DIR]
#
# Needs python3 of the version in PYTHON_VERSION, python3-venv, and for the domains pane
# the libvirt library (Debian, Ubuntu: libvirt0); without it the pane says so.
#
# edgetop goes into a virtual environment at --prefix (default /opt/edgetop), with its
# man page, completions, themes, contrib/ units and the example config under PREFIX/share.
# Symbolic links in --link-root (default /usr/local) put them where the shell, man,
# bash-completion and zsh look: bin/edgetop, share/man/man1/edgetop.1,
# share/bash-completion/completions/edgetop, share/zsh/site-functions/_edgetop,
# share/edgetop and share/doc/edgetop. The contrib/ units are written with PREFIX's path.
set -euo pipefail
# Python of this machine's environment must not leak in: with PYTHONPATH pointing at a
# checkout, pip finds edgetop "already installed" there and skips it.
unset PYTHONPATH PYTHONHOME PYTHONSTARTUP
export PYTHONNOUSERSITE=1
here=$(cd "$(dirname "$0")" && pwd)
prefix=/opt/edgetop
link_root=/usr/local
python=python3
uninstall=0

die() { echo "install.sh: $*" >&2; exit 1; }
while (($#)); do
  case $1 in
    --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
    --link-root) link_root=${2:?--link-root needs a directory}; shift 2 ;;
    --no-links) link_root=; shift ;;
    --python) python=${2:?--python needs an interpreter}; shift 2 ;;
    --uninstall) uninstall=1; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
[[ $prefix == /* ]] || prefix=$PWD/$prefix
[[ -z $link_root || $link_root == /* ]] || link_root=$PWD/$link_root
marker=$prefix/share/edgetop/install-manifest

if ((uninstall)); then
  [[ -f $marker ]] || die "$prefix was not installed by this script (no $marker)"
  while IFS= read -r link; do
    # Only links that still point into the prefix: never a file someone put there since.
    if [[ -L $link && $(readlink "$link") == "$prefix"/* ]]; then rm -f "$link"; fi
  done < <(tail -n +2 "$marker")
  rm -rf "$prefix"
  echo "edgetop removed from $prefix"
  exit 0
fi

version=$(cat "$here/VERSION")
[[ $(uname -m) == "$(cat "$here/MACHINE")" ]] || die "this bundle is for $(cat "$here/MACHINE") and this node is $(uname -m)"
want=$(cat "$here/PYTHON_VERSION")
command -v "$python" >/dev/null || die "no $python: install python3 $want (apt install python3)"
have=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
[[ $have == "$want" ]] || die "this bundle is for Python $want and $python is $have: build the bundle on a node like this one"
"$python" -c 'import ensurepip, venv' 2>/dev/null || die "$python cannot create virtual environments: apt install python3-venv"
if ! "$python" -c 'import ctypes.util, sys; sys.exit(ctypes.util.find_library("virt") is None)'; then
  echo "install.sh: warning: the libvirt library is not installed (apt install libvirt0);" \
       "edgetop runs, and its domains pane says the library is missing" >&2
fi
if [[ -e $prefix && -n $(ls -A "$prefix") && ! -f $marker ]]; then
  die "$prefix exists and holds something else than edgetop: choose another --prefix"
fi

(cd "$here" && sha256sum --quiet -c SHA256SUMS) || die "the bundle is damaged: SHA256SUMS does not match"

links=()
if [[ -n $link_root ]]; then
  links=(bin/edgetop share/man/man1/edgetop.1 share/bash-completion/completions/edgetop
         share/zsh/site-functions/_edgetop share/edgetop share/doc/edgetop)
  for rel in "${links[@]}"; do  # check them all before changing anything
    target=$link_root/$rel
    if [[ -e $target || -L $target ]] && ! [[ -L $target && $(readlink "$target") == "$prefix"/* ]]; then
      die "$target exists and is not a link into $prefix: remove it, or use --link-root or --no-links"
    fi
  done
fi

# A fresh environment each time: an upgrade leaves nothing of the previous version behind.
"$python" -m venv --clear "$prefix"
# --no-index: the wheels here and nothing else. No pip configuration file or PIP_*
# variable of this machine may add an index or another wheel directory.
PIP_CONFIG_FILE=/dev/null "$prefix/bin/python" -I -m pip install --isolated --quiet --no-index \
  --no-cache-dir --disable-pip-version-check --find-links "$here/wheels" "edgetop==$version"

mkdir -p "$prefix/share"
cp -r "$here/share/." "$prefix/share/"
# The units name the default prefix; write the one used here.
for unit in "$prefix"/share/edgetop/contrib/*; do
  sed -i "s#/opt/edgetop/bin/edgetop#$prefix/bin/edgetop#g" "$unit"
done

made=()
for rel in "${links[@]}"; do
  target=$link_root/$rel
  mkdir -p "$(dirname "$target")"
  ln -sfn "$prefix/$rel" "$target"
  made+=("$target")
done
{ echo "edgetop $version"; printf '%s\n' "${made[@]}"; } >"$marker"

echo "edgetop $version installed in $prefix"
if [[ -n $link_root ]]; then
  echo "  $link_root/bin/edgetop, man edgetop, completions for bash and zsh"
else
  echo "  run $prefix/bin/edgetop"
fi
echo "  example config: $prefix/share/doc/edgetop/edgetop.example.yaml; units: $prefix/share/edgetop/contrib/"
