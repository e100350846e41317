#!/bin/sh
# The guest's /init (busybox): loads the VFIO modules, binds edu to vfio-pci, checks the mode's device
# nodes, runs every executable in /payload and prints one machine-readable line per scenario and a
# summary, then powers off. The host (tests/kernel/run) reads the lines from the serial console:
#   VFIOSHARP-RESULT kernel=<release> mode=<mode> payload=<name> scenario=<id> result=PASS|FAIL detail=<text>
#   VFIOSHARP-BENCH kernel=<release> mode=<mode> payload=<name> name=<id> value=<number> unit=<unit>
#   VFIOSHARP-SUMMARY kernel=<release> mode=<mode> payloads=<n> passed=<n> failed=<n> status=PASS|FAIL
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp

mode=group
for word in $(cat /proc/cmdline); do
  case $word in vfiosharp.mode=*) mode=${word#vfiosharp.mode=};; esac
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

# Bind edu to vfio-pci: driver_override, then let the PCI core probe.
sys=/sys/bus/pci/devices/$device
if [ ! -e "$sys" ] || [ "$(cat "$sys/vendor"):$(cat "$sys/device")" != "0x1234:0x11e8" ]; then
  result harness harness.edu-present FAIL "no edu (1234:11e8) at $device: $(ls /sys/bus/pci/devices | tr '\n' ' ')"
  finish
fi
echo vfio-pci > "$sys/driver_override"
if [ -e "$sys/driver" ]; then echo "$device" > "$sys/driver/unbind"; fi
echo "$device" > /sys/bus/pci/drivers_probe
driver=$(basename "$(readlink "$sys/driver" 2>/dev/null)" 2>/dev/null)
if [ "$driver" = vfio-pci ]; then
  result harness harness.bind PASS "$device bound to vfio-pci"
else
  result harness harness.bind FAIL "$device driver is '${driver:-none}'"
  finish
fi

# The mode's device nodes.
group=$(basename "$(readlink "$sys/iommu_group" 2>/dev/null)" 2>/dev/null)
cdev_name=$(ls "$sys/vfio-dev" 2>/dev/null | head -n 1)
case $mode in
  group) nodes="/dev/vfio/vfio /dev/vfio/$group";;
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

# Payloads: quiet the console so kernel messages don't split result lines; dmesg comes at the end.
echo 1 > /proc/sys/kernel/printk
export VFIOSHARP_MODE=$mode VFIOSHARP_DEVICE=$device VFIOSHARP_IOMMU_GROUP=$group
export VFIOSHARP_CDEV=/dev/vfio/devices/$cdev_name VFIOSHARP_KERNEL=$release
export HOME=/tmp TMPDIR=/tmp DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
# Top-level executable files run; folders beside them are data they may use (/payload/<folder>/...).
for payload in /payload/*; do
  [ -f "$payload" ] && [ -x "$payload" ] || continue
  name=${payload##*/}
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
