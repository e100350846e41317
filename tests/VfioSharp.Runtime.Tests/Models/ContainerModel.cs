using VfioSharp.Dma;
using VfioSharp.Kernel;
using VfioSharp.Runtime.Tests.Scenarios;
using VfioSharp.Simulation.Core;

namespace VfioSharp.Runtime.Tests.Models;

/// <summary>
/// The model a container must agree with: a set of non-overlapping IOVA ranges. Runs a sequence of operations
/// on the runtime (over the simulated kernel, or a kernel wrapped around it) and on the model side by side,
/// checking after every step that the runtime, the kernel and the model agree, and at the end that nothing is
/// left.
/// </summary>
internal static class ContainerModel
{
    public static void Run(string variant, IReadOnlyList<MappingOperation> operations, Func<SimulatedKernel, IKernel>? wrap = null)
    {
        var (kernel, edu, options) = SimulatedMachines.Build(variant);
        using (SimulatedMachines.Hold(edu))
        {
            var model = new List<(ulong Iova, ulong Length)>();
            using (var vfio = Vfio.Open(wrap?.Invoke(kernel) ?? kernel, options))
            {
                _ = vfio.OpenDevice(SimulatedMachines.Edu);
                var container = vfio.DefaultContainer;
                foreach (var operation in operations)
                {
                    Apply(vfio, container, model, operation);
                    var expected = model.OrderBy(m => m.Iova).ToList();
                    var actual = container.Mappings.Select(m => (m.Iova, m.Length)).ToList();
                    Check(expected.SequenceEqual(actual), $"after {operation}: runtime has [{string.Join(", ", actual)}], model [{string.Join(", ", expected)}]");
                    Check(kernel.IommuMappingCount == model.Count, $"after {operation}: the kernel has {kernel.IommuMappingCount} IOMMU mappings, the model {model.Count}");
                    Check(kernel.LockedBytes == model.Aggregate(0UL, (sum, m) => sum + m.Length), $"after {operation}: {kernel.LockedBytes} bytes pinned");

                    // Buffers are disposed as soon as they are mapped: only mapped memory may remain.
                    Check(kernel.MemoryMappingCount == model.Count, $"after {operation}: {kernel.MemoryMappingCount} memory mappings for {model.Count} DMA mappings");
                }
            }

            Check(kernel.OpenDescriptors.Count == 0 && kernel.MemoryMappingCount == 0 && kernel.IommuMappingCount == 0 && kernel.LockedBytes == 0,
                $"after teardown: fds [{string.Join("; ", kernel.OpenDescriptors)}], {kernel.MemoryMappingCount} memory and {kernel.IommuMappingCount} IOMMU mappings, {kernel.LockedBytes} bytes pinned");
        }
    }

    private static void Apply(Vfio vfio, VfioSharp.Containers.VfioContainer container, List<(ulong Iova, ulong Length)> model, MappingOperation operation)
    {
        if (operation.Map)
        {
            using var buffer = DmaBuffer.Allocate(vfio.Kernel, (nuint)operation.Length);
            var overlaps = model.Any(m => operation.Iova < m.Iova + m.Length && m.Iova < operation.Iova + operation.Length);
            var result = container.TryMap(buffer, operation.Iova, out var mapping);
            if (overlaps)
            {
                Check(result == -Errno.EEXIST.Value, $"{operation} overlaps a mapping: Linux answers EEXIST, got {Describe(result)}");
            }
            else
            {
                Check(result == 0, $"{operation}: expected success, got {Describe(result)}");
                Check(mapping.Iova == operation.Iova && mapping.Length == operation.Length, $"{operation}: got {mapping}");
                model.Add((operation.Iova, operation.Length));
            }

            return;
        }

        if (model.Count == 0)
        {
            var refused = false;
            try
            {
                container.Unmap(new DmaMapping(operation.Iova, 4096, 0));
            }
            catch (ArgumentException)
            {
                refused = true;
            }

            Check(refused, $"{operation}: unmapping what was never mapped must be refused");
            return;
        }

        var victim = model[operation.Slot % model.Count];
        var found = container.Mappings.Single(m => m.Iova == victim.Iova);
        container.Unmap(found);
        model.Remove(victim);
    }

    private static string Describe(long result) => result < 0 ? Errno.FromResult(result).Name : result.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static void Check(bool condition, string failure)
    {
        if (!condition)
        {
            throw new ModelViolationException(failure);
        }
    }
}
