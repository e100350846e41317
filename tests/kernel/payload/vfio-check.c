// The harness's C reference check: the VFIO uapi driven with raw ioctls on QEMU's edu device, in the
// mode the guest's /init names (VFIOSHARP_MODE). It proves the harness end to end without the runtime
// and is the yardstick the runtime's scenarios are compared with.
//
// Payload protocol (README.md): one line per scenario on stdout, "PASS <id> [detail]" or
// "FAIL <id> [detail]"; anything else is log. The exit status is 0 when every scenario passed.
//
// edu's registers (QEMU docs/specs/edu.rst, hw/misc/edu.c): 0x00 identification 0x010000ed,
// 0x04 liveness (reads back the inverse), 0x08 factorial, 0x20 status (bit 0: computing),
// 0x24/0x60/0x64 interrupt status/raise/acknowledge (MSI when enabled, INTx otherwise),
// 0x80/0x88/0x90/0x98 DMA source/destination/count/command (bit 0 start, bit 1 edu->RAM),
// device buffer at 0x40000. edu accepts only 4-byte accesses below 0x80.

#include <errno.h>
#include <fcntl.h>
#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "map-unmap.h"

#define EDU_ID 0x00
#define EDU_LIVENESS 0x04
#define EDU_FACTORIAL 0x08
#define EDU_STATUS 0x20
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_BUFFER 0x40000
#define EDU_DMA_START 0x1u
#define EDU_DMA_TO_RAM 0x2u
// Far below edu's default 28-bit DMA mask; QEMU 7.2's edu aborts on a transfer ending at 0x41000.
#define DMA_IOVA 0x100000ull
#define DMA_LENGTH 256u

static int failures;
static int passes;

static void report(int ok, const char *id, const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    printf("%s %s %s\n", ok ? "PASS" : "FAIL", id, detail);
    fflush(stdout);
    if (ok)
        passes++;
    else
        failures++;
}

struct device {
    int fd;
    uint64_t config_offset;
    uint64_t bar0_offset;
    uint64_t bar0_size;
};

static int read32(const struct device *d, uint64_t reg, uint32_t *value)
{
    return pread(d->fd, value, 4, (off_t)(d->bar0_offset + reg)) == 4 ? 0 : -1;
}

static int write32(const struct device *d, uint64_t reg, uint32_t value)
{
    return pwrite(d->fd, &value, 4, (off_t)(d->bar0_offset + reg)) == 4 ? 0 : -1;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

// "BENCH <id> <value> <unit>": the guest's /init passes it on; the host prints it and the ratio to
// another payload's "<prefix>.<same rest>" (the runtime's loop against this one).
static void bench(const char *id, double value, const char *unit)
{
    printf("BENCH %s %.1f %s\n", id, value, unit);
    fflush(stdout);
}

#define BENCH_ITERATIONS 1000
// Under emulation one pass varies by ±50% with the host's load: the best of a few passes is the figure
// (the runtime's payload measures the same way), so the ratio compares like with like.
#define BENCH_ROUNDS 5

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

// edu runs a DMA on a 100 ms timer; give it a few seconds under emulation.
static int wait_dma(const struct device *d)
{
    for (int i = 0; i < 100; i++) {
        uint32_t cmd;
        if (read32(d, EDU_DMA_CMD, &cmd))
            return -1;
        if (!(cmd & EDU_DMA_START))
            return 0;
        sleep_ms(50);
    }
    errno = ETIMEDOUT;
    return -1;
}

static int edu_dma(const struct device *d, uint64_t src, uint64_t dst, uint32_t count, uint32_t cmd)
{
    // Addresses stay below 4 GiB: a 4-byte write sets the whole 64-bit register in edu.
    if (write32(d, EDU_DMA_SRC, (uint32_t)src) || write32(d, EDU_DMA_DST, (uint32_t)dst) ||
        write32(d, EDU_DMA_COUNT, count) || write32(d, EDU_DMA_CMD, cmd | EDU_DMA_START))
        return -1;
    return wait_dma(d);
}

static int region_info(int fd, uint32_t index, struct vfio_region_info *info)
{
    memset(info, 0, sizeof *info);
    info->argsz = sizeof *info;
    info->index = index;
    return ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, info);
}

static void check_interrupts(const struct device *d);

// Device info, config space, the edu registers and interrupts: the same in every mode.
static int check_device(struct device *d)
{
    struct vfio_device_info info = { .argsz = sizeof info };
    if (ioctl(d->fd, VFIO_DEVICE_GET_INFO, &info)) {
        report(0, "c.device.info", "VFIO_DEVICE_GET_INFO: %s", strerror(errno));
        return -1;
    }
    report((info.flags & VFIO_DEVICE_FLAGS_PCI) && info.num_regions >= VFIO_PCI_CONFIG_REGION_INDEX + 1 &&
               info.num_irqs >= VFIO_PCI_MSI_IRQ_INDEX + 1,
           "c.device.info", "flags 0x%x regions %u irqs %u", info.flags, info.num_regions, info.num_irqs);

    struct vfio_region_info config, bar0;
    if (region_info(d->fd, VFIO_PCI_CONFIG_REGION_INDEX, &config) ||
        region_info(d->fd, VFIO_PCI_BAR0_REGION_INDEX, &bar0)) {
        report(0, "c.device.regions", "VFIO_DEVICE_GET_REGION_INFO: %s", strerror(errno));
        return -1;
    }
    d->config_offset = config.offset;
    d->bar0_offset = bar0.offset;
    d->bar0_size = bar0.size;
    report(bar0.size >= 1024 * 1024 && (bar0.flags & VFIO_REGION_INFO_FLAG_READ), "c.device.regions",
           "config offset 0x%llx size 0x%llx, BAR0 offset 0x%llx size 0x%llx flags 0x%x",
           (unsigned long long)config.offset, (unsigned long long)config.size,
           (unsigned long long)bar0.offset, (unsigned long long)bar0.size, bar0.flags);

    uint16_t ids[2] = { 0, 0 };
    int ok = pread(d->fd, ids, sizeof ids, (off_t)d->config_offset) == (ssize_t)sizeof ids;
    report(ok && ids[0] == 0x1234 && ids[1] == 0x11e8, "c.device.config", "vendor 0x%04x device 0x%04x", ids[0],
           ids[1]);

    uint32_t id = 0;
    ok = read32(d, EDU_ID, &id) == 0;
    report(ok && id == 0x010000ed, "c.edu.id", "0x%08x", id);

    uint32_t back = 0;
    ok = write32(d, EDU_LIVENESS, 0x12345678u) == 0 && read32(d, EDU_LIVENESS, &back) == 0;
    report(ok && back == ~0x12345678u, "c.edu.liveness", "wrote 0x12345678, read 0x%08x", back);

    uint32_t status = 1, result = 0;
    ok = write32(d, EDU_FACTORIAL, 10) == 0;
    for (int i = 0; ok && i < 1000 && (status & 1); i++) {
        ok = read32(d, EDU_STATUS, &status) == 0;
        if (status & 1)
            sleep_ms(1);
    }
    ok = ok && read32(d, EDU_FACTORIAL, &result) == 0;
    report(ok && result == 3628800u, "c.edu.factorial", "10! = %u", result);

    // edu drops DMA unless bus mastering is on.
    uint16_t command = 0;
    ok = pread(d->fd, &command, 2, (off_t)(d->config_offset + PCI_COMMAND)) == 2;
    command |= PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY;
    ok = ok && pwrite(d->fd, &command, 2, (off_t)(d->config_offset + PCI_COMMAND)) == 2;
    ok = ok && pread(d->fd, &command, 2, (off_t)(d->config_offset + PCI_COMMAND)) == 2;
    report(ok && (command & PCI_COMMAND_MASTER), "c.device.bus-master", "command 0x%04x", command);
    check_interrupts(d);
    return 0;
}

static int set_irqs(int fd, uint32_t index, uint32_t flags, uint32_t count, int32_t eventfd)
{
    char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
    struct vfio_irq_set *set = (struct vfio_irq_set *)buf;
    memset(buf, 0, sizeof buf);
    set->argsz = sizeof(struct vfio_irq_set) + ((flags & VFIO_IRQ_SET_DATA_EVENTFD) ? count * sizeof(int32_t) : 0);
    set->flags = flags;
    set->index = index;
    set->start = 0;
    set->count = count;
    if ((flags & VFIO_IRQ_SET_DATA_EVENTFD) && count == 1)
        memcpy(set->data, &eventfd, sizeof eventfd);
    return ioctl(fd, VFIO_DEVICE_SET_IRQS, set);
}

// Raises edu's interrupt and waits for the eventfd to count it; acknowledges it in edu.
static int raise_and_wait(const struct device *d, int efd, uint32_t bit)
{
    uint32_t status = 0;
    if (write32(d, EDU_IRQ_RAISE, bit))
        return -1;
    struct pollfd p = { .fd = efd, .events = POLLIN };
    int n = poll(&p, 1, 5000);
    uint64_t count = 0;
    if (n == 1 && read(efd, &count, sizeof count) != (ssize_t)sizeof count)
        count = 0;
    if (read32(d, EDU_IRQ_STATUS, &status) || write32(d, EDU_IRQ_ACK, status))
        return -1;
    if (n != 1 || count == 0 || !(status & bit)) {
        errno = n == 0 ? ETIMEDOUT : EIO;
        return -1;
    }
    return 0;
}

// MSI, then INTx (edu signals MSI when it is enabled, INTx otherwise), each to an eventfd.
static void check_interrupts(const struct device *d)
{
    struct vfio_irq_info msi = { .argsz = sizeof msi, .index = VFIO_PCI_MSI_IRQ_INDEX };
    struct vfio_irq_info intx = { .argsz = sizeof intx, .index = VFIO_PCI_INTX_IRQ_INDEX };
    int rc = ioctl(d->fd, VFIO_DEVICE_GET_IRQ_INFO, &msi) || ioctl(d->fd, VFIO_DEVICE_GET_IRQ_INFO, &intx);
    report(rc == 0 && msi.count >= 1 && intx.count == 1 && (intx.flags & VFIO_IRQ_INFO_AUTOMASKED),
           "c.irq.info", "MSI count %u flags 0x%x, INTx count %u flags 0x%x", msi.count, msi.flags, intx.count,
           intx.flags);

    int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    rc = set_irqs(d->fd, VFIO_PCI_MSI_IRQ_INDEX, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 1, efd);
    int err = errno;
    int got = rc == 0 && raise_and_wait(d, efd, 0x1) == 0 && raise_and_wait(d, efd, 0x2) == 0;
    report(got, "c.irq.msi", "SET_IRQS %s, two interrupts %s", rc ? strerror(err) : "ok",
           got ? "counted" : strerror(errno));
    rc = set_irqs(d->fd, VFIO_PCI_MSI_IRQ_INDEX, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0, -1);
    report(rc == 0, "c.irq.msi-disable", "SET_IRQS count 0: %s", rc ? strerror(errno) : "ok");

    // INTx is masked by the kernel when it fires; unmask before the next one.
    rc = set_irqs(d->fd, VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 1, efd);
    err = errno;
    got = rc == 0 && raise_and_wait(d, efd, 0x4) == 0;
    int unmask = got ? set_irqs(d->fd, VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK, 1, -1)
                     : -1;
    got = got && unmask == 0 && raise_and_wait(d, efd, 0x8) == 0;
    report(got, "c.irq.intx", "SET_IRQS %s, interrupt, unmask, interrupt: %s", rc ? strerror(err) : "ok",
           got ? "counted" : strerror(errno));
    rc = set_irqs(d->fd, VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0, -1);
    report(rc == 0, "c.irq.intx-disable", "SET_IRQS count 0: %s", rc ? strerror(errno) : "ok");
    close(efd);
}

// A DMA round trip through edu's buffer: RAM at `in` -> edu -> RAM at `out` (bus addresses).
static void check_dma_round_trip(const struct device *d, const char *id, uint8_t *in_buf, uint64_t in,
                                 uint8_t *out_buf, uint64_t out)
{
    for (unsigned i = 0; i < DMA_LENGTH; i++) {
        in_buf[i] = (uint8_t)(i * 7 + 3);
        out_buf[i] = 0;
    }
    if (edu_dma(d, in, EDU_BUFFER, DMA_LENGTH, 0) || edu_dma(d, EDU_BUFFER, out, DMA_LENGTH, EDU_DMA_TO_RAM)) {
        report(0, id, "edu DMA: %s", strerror(errno));
        return;
    }
    report(memcmp(in_buf, out_buf, DMA_LENGTH) == 0, id, "%u bytes 0x%llx -> edu -> 0x%llx", DMA_LENGTH,
           (unsigned long long)in, (unsigned long long)out);
}

static void *dma_page(void)
{
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    memset(p, 0, 4096);
    return p;
}

static const char *getenv_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

// /proc/self/pagemap: bit 63 present, bits 0-54 the page frame number (root only).
static int physical_address(void *p, uint64_t *pa)
{
    if (mlock(p, 4096))
        return -1;
    int fd = open("/proc/self/pagemap", O_RDONLY);
    if (fd < 0)
        return -1;
    uint64_t entry = 0;
    ssize_t n = pread(fd, &entry, sizeof entry, (off_t)((uintptr_t)p / 4096 * sizeof entry));
    close(fd);
    if (n != (ssize_t)sizeof entry || !(entry >> 63) || !(entry & ((1ull << 55) - 1))) {
        errno = EIO;
        return -1;
    }
    *pa = (entry & ((1ull << 55) - 1)) * 4096 + (uintptr_t)p % 4096;
    return 0;
}

// ---------------------------------------------------------------------------------------------------
// Group modes: container, group, SET_IOMMU, device fd (type1v2 with an IOMMU, no-IOMMU without).

// VFIO_IOMMU_GET_INFO grows: ask, then ask again with the size the kernel wants; walk the chain.
static void check_type1_info(int container)
{
    struct vfio_iommu_type1_info probe = { .argsz = sizeof probe };
    if (ioctl(container, VFIO_IOMMU_GET_INFO, &probe)) {
        report(0, "c.group.iommu-info", "VFIO_IOMMU_GET_INFO: %s", strerror(errno));
        return;
    }
    uint32_t size = probe.argsz;
    struct vfio_iommu_type1_info *info = calloc(1, size);
    info->argsz = size;
    if (ioctl(container, VFIO_IOMMU_GET_INFO, info)) {
        report(0, "c.group.iommu-info", "VFIO_IOMMU_GET_INFO(%u): %s", size, strerror(errno));
        free(info);
        return;
    }
    uint32_t ranges = 0, hops = 0;
    uint64_t first_end = 0;
    if (info->flags & VFIO_IOMMU_INFO_CAPS) {
        for (uint32_t off = info->cap_offset; off && hops < 64; hops++) {
            if (off + sizeof(struct vfio_info_cap_header) > size)
                break;
            struct vfio_info_cap_header *h = (void *)((char *)info + off);
            if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE &&
                off + sizeof(struct vfio_iommu_type1_info_cap_iova_range) <= size) {
                struct vfio_iommu_type1_info_cap_iova_range *r = (void *)h;
                ranges = r->nr_iovas;
                if (ranges && off + sizeof *r + sizeof r->iova_ranges[0] <= size)
                    first_end = r->iova_ranges[0].end;
            }
            off = h->next;
        }
    }
    report(ranges > 0 && first_end > DMA_IOVA, "c.group.iommu-info",
           "argsz %u, pgsizes 0x%llx, %u IOVA ranges, first ends at 0x%llx", size,
           (unsigned long long)info->iova_pgsizes, ranges, (unsigned long long)first_end);
    free(info);
}

static int run_group(int noiommu)
{
    const char *group_id = getenv_or("VFIOSHARP_IOMMU_GROUP", "0");
    const char *device = getenv_or("VFIOSHARP_DEVICE", "0000:00:01.0");
    char path[64];
    snprintf(path, sizeof path, "/dev/vfio/%s%s", noiommu ? "noiommu-" : "", group_id);
    uint64_t t0 = now_ns();

    int container = open("/dev/vfio/vfio", O_RDWR);
    if (container < 0) {
        report(0, "c.group.container", "open /dev/vfio/vfio: %s", strerror(errno));
        return -1;
    }
    int api = ioctl(container, VFIO_GET_API_VERSION);
    int iommu_type = noiommu ? VFIO_NOIOMMU_IOMMU : VFIO_TYPE1v2_IOMMU;
    int ext = ioctl(container, VFIO_CHECK_EXTENSION, iommu_type);
    report(api == VFIO_API_VERSION && ext == 1, "c.group.container", "API %d, extension %d: %d", api, iommu_type,
           ext);

    int group = open(path, O_RDWR);
    struct vfio_group_status status = { .argsz = sizeof status };
    if (group < 0 || ioctl(group, VFIO_GROUP_GET_STATUS, &status)) {
        report(0, "c.group.viable", "%s: %s", path, strerror(errno));
        return -1;
    }
    report(status.flags & VFIO_GROUP_FLAGS_VIABLE, "c.group.viable", "%s flags 0x%x", path, status.flags);

    int rc1 = ioctl(group, VFIO_GROUP_SET_CONTAINER, &container);
    int err1 = rc1 ? errno : 0;
    int rc2 = rc1 ? -1 : ioctl(container, VFIO_SET_IOMMU, iommu_type);
    report(rc1 == 0 && rc2 == 0, "c.group.set-iommu", "SET_CONTAINER %s, SET_IOMMU(%d) %s", rc1 ? strerror(err1) : "ok",
           iommu_type, rc2 == 0 ? "ok" : strerror(errno));
    if (rc1 || rc2)
        return -1;

    if (!noiommu)
        check_type1_info(container);

    struct device d = { .fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, device) };
    bench("c.bring-up", (double)(now_ns() - t0) / 1000.0, "us");
    report(d.fd >= 0, "c.group.device-fd", "%s: %s", device, d.fd >= 0 ? "ok" : strerror(errno));
    if (d.fd < 0 || check_device(&d))
        return -1;

    uint8_t *in = dma_page(), *out = dma_page();
    if (!in || !out) {
        report(0, "c.dma.buffers", "mmap: %s", strerror(errno));
        return -1;
    }
    if (noiommu) {
        uint64_t in_pa, out_pa;
        if (physical_address(in, &in_pa) || physical_address(out, &out_pa))
            report(0, "c.dma.round-trip", "pagemap: %s", strerror(errno));
        else
            check_dma_round_trip(&d, "c.dma.round-trip", in, in_pa, out, out_pa);
        int rc = type1_map(container, in, DMA_IOVA);
        int err = errno;
        report(rc != 0, "c.noiommu.map-refused", "VFIO_IOMMU_MAP_DMA on a no-IOMMU container: %s",
               rc ? strerror(err) : "accepted");
    } else {
        int rc = type1_map(container, in, DMA_IOVA) || type1_map(container, out, DMA_IOVA + 4096);
        report(rc == 0, "c.dma.map", "VFIO_IOMMU_MAP_DMA 2 pages at 0x%llx: %s", DMA_IOVA,
               rc ? strerror(errno) : "ok");
        if (rc)
            return -1;
        check_dma_round_trip(&d, "c.dma.round-trip", in, DMA_IOVA, out, DMA_IOVA + 4096);
        rc = type1_unmap(container, DMA_IOVA + 4096);
        report(rc == 0, "c.dma.unmap", "VFIO_IOMMU_UNMAP_DMA: %s", rc ? strerror(errno) : "ok");
        // The IOMMU must stop a DMA to the IOVA that no longer maps `out`.
        memset(out, 0x5a, DMA_LENGTH);
        int dma = edu_dma(&d, EDU_BUFFER, DMA_IOVA + 4096, DMA_LENGTH, EDU_DMA_TO_RAM);
        int untouched = 1;
        for (unsigned i = 0; i < DMA_LENGTH; i++)
            untouched &= out[i] == 0x5a;
        report(dma == 0 && untouched, "c.dma.unmapped-blocked", "DMA to an unmapped IOVA %s",
               untouched ? "did not land" : "LANDED");
        type1_unmap(container, DMA_IOVA);

        uint64_t best = UINT64_MAX;
        int bad = 0;
        for (int round = 0; round < BENCH_ROUNDS && !bad; round++) {
            uint64_t b0 = now_ns();
            for (int i = 0; i < BENCH_ITERATIONS && !bad; i++)
                bad = type1_map(container, in, DMA_IOVA) || type1_unmap(container, DMA_IOVA);
            uint64_t b1 = now_ns();
            if (b1 - b0 < best)
                best = b1 - b0;
        }
        report(!bad, "c.dma.map-unmap-loop", "%d x %d x 4 KiB map+unmap: %s", BENCH_ROUNDS, BENCH_ITERATIONS,
               bad ? strerror(errno) : "ok");
        if (!bad)
            bench("c.map-unmap-4k", (double)best / BENCH_ITERATIONS, "ns/iteration");
    }

    // Teardown: after every fd is closed the group and container open and attach again.
    close(d.fd);
    close(group);
    close(container);
    container = open("/dev/vfio/vfio", O_RDWR);
    group = open(path, O_RDWR);
    rc1 = container >= 0 && group >= 0 ? ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) : -1;
    report(rc1 == 0, "c.teardown", "reopen and attach after close: %s", rc1 == 0 ? "ok" : strerror(errno));
    close(group);
    close(container);
    munmap(in, 4096);
    munmap(out, 4096);
    return 0;
}

// ---------------------------------------------------------------------------------------------------
// cdev modes: /dev/vfio/devices/vfioN bound to an iommufd with an IOAS attached; without an IOMMU
// /dev/vfio/devices/noiommu-vfioN is bound to an iommufd too (BIND_IOMMUFD refuses a negative fd with
// EINVAL, drivers/vfio/device_cdev.c) and DMA uses physical addresses.

static int run_cdev(int noiommu)
{
    const char *cdev = getenv_or("VFIOSHARP_CDEV", noiommu ? "/dev/vfio/devices/noiommu-vfio0"
                                                            : "/dev/vfio/devices/vfio0");
    uint64_t t0 = now_ns();
    int iommufd = open("/dev/iommu", O_RDWR);
    report(iommufd >= 0, "c.cdev.iommufd", "open /dev/iommu: %s", iommufd >= 0 ? "ok" : strerror(errno));
    if (iommufd < 0)
        return -1;
    struct device d = { .fd = open(cdev, O_RDWR) };
    if (d.fd < 0) {
        report(0, "c.cdev.bind", "open %s: %s", cdev, strerror(errno));
        return -1;
    }
    struct vfio_device_bind_iommufd bind = { .argsz = sizeof bind, .iommufd = iommufd };
    int rc = ioctl(d.fd, VFIO_DEVICE_BIND_IOMMUFD, &bind);
    report(rc == 0, "c.cdev.bind", "%s to iommufd %d: %s, devid %u", cdev, iommufd, rc ? strerror(errno) : "ok",
           bind.out_devid);
    if (rc)
        return -1;

    uint32_t ioas = 0;
    if (noiommu) {
        struct iommu_ioas_alloc alloc = { .size = sizeof alloc };
        rc = ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc);
        struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof attach, .pt_id = alloc.out_ioas_id };
        int rc2 = rc ? -1 : ioctl(d.fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);
        // Log only: 6.6's cdev refused it; 7.3 accepts it (pt_id comes back). The runtime must not
        // depend on either.
        printf("info: ATTACH_IOMMUFD_PT(IOAS %u) on a no-IOMMU device: %s, pt_id %u\n", alloc.out_ioas_id,
               rc ? "IOAS_ALLOC failed" : rc2 ? strerror(errno) : "accepted", attach.pt_id);
    } else {
        struct iommu_ioas_alloc alloc = { .size = sizeof alloc };
        rc = ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc);
        ioas = alloc.out_ioas_id;
        struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof attach, .pt_id = ioas };
        int rc2 = rc ? -1 : ioctl(d.fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);
        report(rc == 0 && rc2 == 0, "c.cdev.attach", "IOAS %u, attached to hwpt %u: %s", ioas, attach.pt_id,
               rc == 0 && rc2 == 0 ? "ok" : strerror(errno));
        if (rc || rc2)
            return -1;

        // EMSGSIZE tells how many ranges there are; the second call gets them.
        struct iommu_ioas_iova_ranges q = { .size = sizeof q, .ioas_id = ioas };
        rc = ioctl(iommufd, IOMMU_IOAS_IOVA_RANGES, &q);
        uint32_t n = q.num_iovas;
        struct iommu_iova_range *ranges = calloc(n ? n : 1, sizeof *ranges);
        q.allowed_iovas = (uint64_t)(uintptr_t)ranges;
        int rc3 = ioctl(iommufd, IOMMU_IOAS_IOVA_RANGES, &q);
        report((rc == 0 || errno == EMSGSIZE) && rc3 == 0 && n > 0 && ranges[0].last > DMA_IOVA,
               "c.cdev.iova-ranges", "%u ranges, first 0x%llx-0x%llx, alignment 0x%llx", n,
               (unsigned long long)ranges[0].start, (unsigned long long)ranges[0].last,
               (unsigned long long)q.out_iova_alignment);
        free(ranges);
    }

    bench("c.bring-up", (double)(now_ns() - t0) / 1000.0, "us");
    if (check_device(&d))
        return -1;

    uint8_t *in = dma_page(), *out = dma_page();
    if (!in || !out) {
        report(0, "c.dma.buffers", "mmap: %s", strerror(errno));
        return -1;
    }
    if (noiommu) {
        uint64_t in_pa, out_pa;
        if (physical_address(in, &in_pa) || physical_address(out, &out_pa))
            report(0, "c.dma.round-trip", "pagemap: %s", strerror(errno));
        else
            check_dma_round_trip(&d, "c.dma.round-trip", in, in_pa, out, out_pa);
    } else {
        rc = ioas_map(iommufd, ioas, in, DMA_IOVA) || ioas_map(iommufd, ioas, out, DMA_IOVA + 4096);
        report(rc == 0, "c.dma.map", "IOMMU_IOAS_MAP 2 pages at 0x%llx: %s", DMA_IOVA, rc ? strerror(errno) : "ok");
        if (rc)
            return -1;
        check_dma_round_trip(&d, "c.dma.round-trip", in, DMA_IOVA, out, DMA_IOVA + 4096);
        rc = ioas_unmap(iommufd, ioas, DMA_IOVA + 4096);
        report(rc == 0, "c.dma.unmap", "IOMMU_IOAS_UNMAP: %s", rc ? strerror(errno) : "ok");
        memset(out, 0x5a, DMA_LENGTH);
        int dma = edu_dma(&d, EDU_BUFFER, DMA_IOVA + 4096, DMA_LENGTH, EDU_DMA_TO_RAM);
        int untouched = 1;
        for (unsigned i = 0; i < DMA_LENGTH; i++)
            untouched &= out[i] == 0x5a;
        report(dma == 0 && untouched, "c.dma.unmapped-blocked", "DMA to an unmapped IOVA %s",
               untouched ? "did not land" : "LANDED");
        ioas_unmap(iommufd, ioas, DMA_IOVA);

        uint64_t best = UINT64_MAX;
        int bad = 0;
        for (int round = 0; round < BENCH_ROUNDS && !bad; round++) {
            uint64_t b0 = now_ns();
            for (int i = 0; i < BENCH_ITERATIONS && !bad; i++)
                bad = ioas_map(iommufd, ioas, in, DMA_IOVA) || ioas_unmap(iommufd, ioas, DMA_IOVA);
            uint64_t b1 = now_ns();
            if (b1 - b0 < best)
                best = b1 - b0;
        }
        report(!bad, "c.dma.map-unmap-loop", "%d x %d x 4 KiB map+unmap: %s", BENCH_ROUNDS, BENCH_ITERATIONS,
               bad ? strerror(errno) : "ok");
        if (!bad)
            bench("c.map-unmap-4k", (double)best / BENCH_ITERATIONS, "ns/iteration");
    }

    // Teardown: once closed, the cdev opens and binds again.
    close(d.fd);
    close(iommufd);
    iommufd = open("/dev/iommu", O_RDWR);
    int fd = open(cdev, O_RDWR);
    struct vfio_device_bind_iommufd again = { .argsz = sizeof again, .iommufd = iommufd };
    rc = fd >= 0 ? ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &again) : -1;
    report(rc == 0, "c.teardown", "reopen and bind after close: %s", rc == 0 ? "ok" : strerror(errno));
    close(fd);
    if (iommufd >= 0)
        close(iommufd);
    munmap(in, 4096);
    munmap(out, 4096);
    return 0;
}

int main(void)
{
    const char *mode = getenv_or("VFIOSHARP_MODE", "group");
    printf("c reference check, mode %s\n", mode);
    if (!strcmp(mode, "group"))
        run_group(0);
    else if (!strcmp(mode, "noiommu-group"))
        run_group(1);
    else if (!strcmp(mode, "cdev"))
        run_cdev(0);
    else if (!strcmp(mode, "noiommu-cdev"))
        run_cdev(1);
    else
        report(0, "c.mode", "unknown mode %s", mode);
    if (passes == 0 && failures == 0)
        report(0, "c.nothing-ran", "mode %s", mode);
    return failures ? 1 : 0;
}
