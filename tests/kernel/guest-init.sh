#!/bin/sh
# The guest's /init (busybox): loads the VFIO modules, binds edu to vfio-pci, checks the mode's device
# nodes, runs every executable in /payload and prints one machine-readable line per scenario and a
# summary, then powers off. The host (tests/kernel/run) reads the lines from the serial console:
#   VFIOSHARP-RESULT kernel=<release> mode=<mode> payload=<name> scenario=<id> result=PASS|FAIL detail=<text>
#   VFIOSHARP-BENCH kernel=<release> mode=<mode> payload=<name> name=<id> value=<number> unit=<unit>
#   VFIOSHARP-SUMMARY kernel=<release> mode=<mode> payloads=<n> passed=<n> failed=<n> status=PASS|FAIL
# The platform boot (mode=platform) has two more edus, named on the command line: vfiosharp.shared=<bdf> (its
# IOMMU group also holds a virtio-rng bound to virtio-pci) and vfiosharp.noiommu=<bdf> (behind a bus that bypasses
# the IOMMU); vfiosharp.payloads=<name>,... limits which payloads run.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp

mode=group
shared_device=
noiommu_device=
only_payloads=
for word in $(cat /proc/cmdline); do
  case $word in
    vfiosharp.mode=*) mode=${word#vfiosharp.mode=};;
    vfiosharp.shared=*) shared_device=${word#vfiosharp.shared=};;
    vfiosharp.noiommu=*) noiommu_device=${word#vfiosharp.noiommu=};;
    vfiosharp.payloads=*) only_payloads=,${word#vfiosharp.payloads=},;;
  esac
done
release=$(uname -r)
device=0000:00:01.0
passed=0
failed=0
payloads=0

result() { # payload scenario PASS|FAIL detail...
  local payload=$1 scenario=$2 verdict=$3
  shift 3
  echo "VFIOSHARP-RESULT kernel=$release mode=$mode payload=$payload scenario=$scenario result=$verdict detail=$*"
  if [ "$verdict" = PASS ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

finish() {
  local status=PASS
  if [ $failed -ne 0 ] || [ $passed -eq 0 ]; then status=FAIL; fi
  echo "VFIOSHARP-KMSG-BEGIN"
  dmesg | sed 's/^/kmsg: /'
  echo "VFIOSHARP-KMSG-END"
  echo "VFIOSHARP-SUMMARY kernel=$release mode=$mode payloads=$payloads passed=$passed failed=$failed status=$status"
  sync
  poweroff -f
}

echo "VFIOSHARP-BOOTED kernel=$release mode=$mode uptime=$(cut -d' ' -f1 /proc/uptime)"

# Modules (Debian's kernels); the built kernel has everything built in and an empty list.
while read -r module; do
  [ -n "$module" ] || continue
  if ! out=$(insmod "/lib/modules/$module" 2>&1); then
    result harness "harness.insmod.$module" FAIL "$out"
  fi
done < /lib/modules/order

# Bind edu to vfio-pci: driver_override, then let the PCI core probe. Every device bound is an edu (1234:11e8).
bind_edu() { # bdf; prints the driver it ended up with
  local sys=/sys/bus/pci/devices/$1
  if [ ! -e "$sys" ] || [ "$(cat "$sys/vendor"):$(cat "$sys/device")" != "0x1234:0x11e8" ]; then
    echo "no edu (1234:11e8) at $1: $(ls /sys/bus/pci/devices | tr '\n' ' ')"
    return
  fi
  echo vfio-pci > "$sys/driver_override"
  if [ -e "$sys/driver" ]; then echo "$1" > "$sys/driver/unbind"; fi
  echo "$1" > /sys/bus/pci/drivers_probe
  echo "driver '$(basename "$(readlink "$sys/driver" 2>/dev/null)" 2>/dev/null)'"
}
sys=/sys/bus/pci/devices/$device
bound=
for bdf in $device $shared_device $noiommu_device; do
  got=$(bind_edu "$bdf")
  if [ "$got" != "driver 'vfio-pci'" ]; then
    result harness harness.bind FAIL "$bdf: $got"
    finish
  fi
  bound="$bound $bdf"
done
result harness harness.bind PASS "bound to vfio-pci:$bound"

# The mode's device nodes.
group=$(basename "$(readlink "$sys/iommu_group" 2>/dev/null)" 2>/dev/null)
cdev_name=$(ls "$sys/vfio-dev" 2>/dev/null | head -n 1)
group_of() { basename "$(readlink "/sys/bus/pci/devices/$1/iommu_group" 2>/dev/null)" 2>/dev/null; }
shared_group=
noiommu_group=
[ -z "$shared_device" ] || shared_group=$(group_of "$shared_device")
[ -z "$noiommu_device" ] || noiommu_group=$(group_of "$noiommu_device")
case $mode in
  group) nodes="/dev/vfio/vfio /dev/vfio/$group";;
  platform) nodes="/dev/vfio/vfio /dev/vfio/$group /dev/iommu /dev/vfio/devices/$cdev_name /dev/vfio/${shared_group:-missing-shared-group} /dev/vfio/noiommu-${noiommu_group:-missing}";;
  noiommu-group) nodes="/dev/vfio/vfio /dev/vfio/noiommu-$group";;
  cdev) nodes="/dev/iommu /dev/vfio/devices/$cdev_name";;
  noiommu-cdev) nodes="/dev/iommu /dev/vfio/devices/$cdev_name";;
  *) nodes="/nonexistent-mode-$mode";;
esac
case $mode in
  cdev) [ "${cdev_name#noiommu-}" = "$cdev_name" ] || nodes="$nodes /dev/vfio/devices/expected-vfioN";;
  noiommu-cdev) [ "${cdev_name#noiommu-}" != "$cdev_name" ] || nodes="$nodes /dev/vfio/devices/expected-noiommu-vfioN";;
esac
missing=
for node in $nodes; do
  [ -c "$node" ] || missing="$missing $node"
done
if [ -z "$missing" ] && [ -n "$group" ]; then
  result harness harness.nodes PASS "group $group, cdev ${cdev_name:-none}: $nodes"
else
  result harness harness.nodes FAIL "missing:${missing:- iommu group}; /dev/vfio: $(ls -R /dev/vfio 2>/dev/null | tr '\n' ' ')"
  finish
fi

# The platform boot's machine, as the rows it exists for need it: the shared group also holds a device bound to a
# host driver using the DMA API (virtio-pci), the bypassing edu got a no-IOMMU group, and the IOMMU does not
# remap interrupts (the Interrupt Remapping bit, 3, of intel-iommu's extended capabilities is clear).
if [ "$mode" = platform ]; then
  problems=
  mates=
  for member in /sys/kernel/iommu_groups/$shared_group/devices/*; do
    mates="$mates ${member##*/}=$(basename "$(readlink "$member/driver" 2>/dev/null)" 2>/dev/null)"
  done
  case "$mates " in *=virtio-pci\ *) ;; *) problems="$problems; group $shared_group has no virtio-pci member:$mates";; esac
  [ ! -e "/dev/vfio/$noiommu_group" ] || problems="$problems; $noiommu_device has an IOMMU group"
  ecap=$(cat /sys/class/iommu/*/intel-iommu/ecap 2>/dev/null | head -n 1)
  if [ -z "$ecap" ]; then problems="$problems; no intel-iommu in /sys/class/iommu"
  elif [ $(( 0x$ecap & 8 )) -ne 0 ]; then problems="$problems; ecap $ecap has interrupt remapping"; fi
  if [ -z "$problems" ]; then
    result harness harness.platform PASS "group $shared_group:$mates; $noiommu_device in noiommu-$noiommu_group; ecap $ecap (no interrupt remapping)"
  else
    result harness harness.platform FAIL "${problems#; }"
    finish
  fi
fi

# Payloads: quiet the console so kernel messages don't split result lines; dmesg comes at the end.
echo 1 > /proc/sys/kernel/printk
export VFIOSHARP_MODE=$mode VFIOSHARP_DEVICE=$device VFIOSHARP_IOMMU_GROUP=$group
export VFIOSHARP_CDEV=/dev/vfio/devices/$cdev_name VFIOSHARP_KERNEL=$release
export VFIOSHARP_SHARED_GROUP=$shared_group VFIOSHARP_NOIOMMU_GROUP=$noiommu_group
export HOME=/tmp TMPDIR=/tmp DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
# Top-level executable files run; folders beside them are data they may use (/payload/<folder>/...).
for payload in /payload/*; do
  [ -f "$payload" ] && [ -x "$payload" ] || continue
  name=${payload##*/}
  case $only_payloads in ""|*,"$name",*) ;; *) continue;; esac
  payloads=$((payloads + 1))
  echo "VFIOSHARP-PAYLOAD-BEGIN $name uptime=$(cut -d' ' -f1 /proc/uptime)"
  # Live output (prefixed) for a payload that hangs; the results are read once it exits.
  { "$payload"; echo $? > /tmp/rc; } 2>&1 | tee /tmp/out | sed "s/^/$name> /"
  rc=$(cat /tmp/rc)
  count=0
  expected=
  while IFS= read -r line; do
    case $line in
      "PASS "*|"FAIL "*)
        # Split into words without globbing the text.
        set -f
        set -- $line
        set +f
        verdict=$1 scenario=$2
        shift 2
        result "$name" "$scenario" "$verdict" "$*"
        count=$((count + 1));;
      "EXPECT "*)
        # The payload's own count of the scenarios it is about to run: fewer lines is a failure.
        expected=${line#EXPECT }
        expected=${expected%% *};;
      "BENCH "*)
        set -f
        set -- $line
        set +f
        echo "VFIOSHARP-BENCH kernel=$release mode=$mode payload=$name name=$2 value=$3 unit=$4";;
    esac
  done < /tmp/out
  [ $count -gt 0 ] || result "$name" payload.no-results FAIL "printed no PASS/FAIL line"
  if [ -n "$expected" ] && [ "$count" -lt "$expected" ] 2>/dev/null; then
    result "$name" payload.incomplete FAIL "ran $count of the $expected scenarios it announced"
  fi
  echo "VFIOSHARP-PAYLOAD-COUNT $name scenarios=$count expected=${expected:-none}"
  [ $rc -eq 0 ] || result "$name" payload.exit FAIL "exit status $rc"
  echo "VFIOSHARP-PAYLOAD-END $name exit=$rc uptime=$(cut -d' ' -f1 /proc/uptime)"
done
[ $payloads -gt 0 ] || result harness harness.payloads FAIL "no executable in /payload"
finish
