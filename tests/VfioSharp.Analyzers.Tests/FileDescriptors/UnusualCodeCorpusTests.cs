using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace VfioSharp.Analyzers.Tests.FileDescriptors;

/// <summary>
/// Unusual C# must neither crash the analyzer (an exception surfaces as an unexpected AD0001)
/// nor make it report where nothing is wrong; and the flows must still see through it.
/// </summary>
public class UnusualCodeCorpusTests
{
    private const string Program = """
        using System;
        using System.Collections.Generic;
        using System.Threading.Tasks;

        var kernel = new FakeKernel();
        var device = new PciDevice(kernel, "0000:00:03.0") { Label = "edu" };
        await device.ResetAsync(kernel);
        foreach (var fd in device.OpenFds())
        {
            Console.WriteLine(fd);
        }

        var irqs = new List<IrqVector> { new(kernel.Open("eventfd"), 0), new(kernel.Open("eventfd"), 1) };
        Func<int, int> close = fd => kernel.Close(fd);
        close(device.Fd);
        Console.WriteLine(LocalOpen("/dev/vfio/1") + irqs.Count);
        var anonymous = new { Fd = 3, Name = "x" };
        Console.WriteLine(anonymous.Fd + nameof(device.Fd).Length);
        Split split = new(kernel);
        Console.WriteLine(split.Sum());

        int LocalOpen(string path)
        {
            var group = new GroupHandle { Fd = kernel.Open(path) };
            return group.Fd;
        }
        """;

    private const string Types = """
        using System;
        using System.Collections.Generic;
        using System.Runtime.CompilerServices;
        using System.Threading.Tasks;
        using VfioSharp;

        sealed class FakeKernel : IKernel
        {
            private int _next = 3;
            public int Open(string path) => _next++;
            public int Close(int fd) => 0;
            public int Ioctl(int fd, ulong request) => 0;
            public int Ioctl<T>(int fd, ulong request, ref T argument) where T : struct => 0;
            public int ContainerGroupUnbind(int containerFd, int iommuGroup) => 0;
        }

        sealed class GroupHandle
        {
            public int Fd { get; init; } = -1;
        }

        sealed class PciDevice(IKernel kernel, string bdf)
        {
            private readonly int _deviceFd = kernel.Open("/dev/vfio/devices/" + bdf);
            private int _resetFd = -1;

            public string Label { get; set; } = "";
            public int Fd => _deviceFd;

            public async Task ResetAsync(IKernel k)
            {
                await Task.Yield();
                _resetFd = k.Open("reset");
                k.Ioctl(_resetFd, 0x3b6f);
            }

            public IEnumerable<int> OpenFds()
            {
                yield return _deviceFd;
                if (_resetFd >= 0)
                {
                    yield return _resetFd;
                }
            }
        }

        record struct IrqVector(int EventFd, int Index);

        sealed record VfioRegion(int Fd, ulong Size)
        {
            public VfioRegion Shrink() => this with { Size = Size / 2 };
        }

        sealed class Box<T> where T : new()
        {
            private int _fd = -1;
            private T _value = new();

            public int Swap(int fd) { (fd, _fd) = (_fd, fd); return fd; }
            public T Value => _value;
            public static Box<U> Of<U>() where U : new() => new Box<U>();
        }

        struct Pair<T>
        {
            public int LeftFd;
            public T Right;

            public Pair(int leftFd, T right) { this = default; LeftFd = leftFd; Right = right; }
        }

        unsafe struct vfio_irq_set
        {
            public uint argsz;
            public uint count;
            public fixed int data[4];
            [FileDescriptor] public int trigger_fd;
        }

        static unsafe class Interop
        {
            public static int SetIrqs(IKernel kernel, int deviceFd)
            {
                var set = new vfio_irq_set { argsz = (uint)sizeof(vfio_irq_set), count = 1 };
                set.data[0] = kernel.Open("eventfd");
                vfio_irq_set* pointer = &set;
                pointer->trigger_fd = set.data[0];
                Span<int> scratch = stackalloc int[4];
                scratch[0] = set.trigger_fd;
                return kernel.Ioctl(deviceFd, 0x3b6e, ref set) + scratch[0];
            }
        }

        ref struct BorrowedFd
        {
            private readonly int _fd;
            private readonly Span<byte> _buffer;

            public BorrowedFd(int fd, Span<byte> buffer) { _fd = fd; _buffer = buffer; }

            public int Read(IKernel kernel) => _buffer.Length == 0 ? -1 : kernel.Ioctl(_fd, 1);
        }

        partial class Split
        {
            private readonly int _groupFd;
            private readonly int _containerFd;
        }

        partial class Split
        {
            public Split(IKernel kernel)
            {
                (_groupFd, _containerFd) = (kernel.Open("/dev/vfio/1"), kernel.Open("/dev/vfio/vfio"));
            }

            public int Sum() => _groupFd + _containerFd;
        }

        abstract class Endpoint
        {
            public abstract int Fd { get; }
            public virtual int Close(IKernel kernel) => kernel.Close(Fd);
        }

        sealed class EventEndpoint : Endpoint
        {
            private readonly int _fd;
            public EventEndpoint(IKernel kernel) => _fd = kernel.Open("eventfd");
            public override int Fd => _fd;
            public static implicit operator int(EventEndpoint endpoint) => endpoint._fd;
            public int this[int offset] => _fd + offset;
            public event Action<int>? Closed;
            public void Fire() => Closed?.Invoke(_fd);
        }

        static class Extensions
        {
            public static int Dup(ref this Pair<int> pair, IKernel kernel) => pair.LeftFd = kernel.Ioctl(pair.LeftFd, 0);
        }

        interface IHasFd
        {
            int Fd { get; }
            int Describe() => Fd;
        }

        sealed class Mixed : IHasFd
        {
            private readonly object _gate = new();
            private int _fd = -1;

            public int Fd { get { lock (_gate) { return _fd; } } }

            public int Loop(IKernel kernel, int[] paths)
            {
                var total = 0;
                for (var i = 0; i < paths.Length; i++)
                {
                    switch (paths[i])
                    {
                        case 0: continue;
                        case > 10: goto done;
                        default:
                            _fd = checked(kernel.Open(paths[i].ToString()) + 0);
                            break;
                    }

                    total += _fd switch { < 0 => 0, var fd => fd };
                }

            done:
                try
                {
                    using var scope = new Scope(kernel);
                    return total + scope.Fd;
                }
                finally
                {
                    total = 0;
                }
            }

            public static Func<IKernel, Task<int>> Later => async kernel =>
            {
                var region = new VfioRegion(kernel.Open("region"), 4096);
                await Task.Delay(1);
                return region.Shrink().Fd;
            };

            [MethodImpl(MethodImplOptions.NoInlining)]
            public static int Pattern(object value) => value is GroupHandle { Fd: > 0 } handle ? handle.Fd : -1;
        }

        sealed class Scope : IDisposable
        {
            private readonly IKernel _kernel;
            public int Fd { get; }

            public Scope(IKernel kernel)
            {
                _kernel = kernel;
                Fd = kernel.Open("scope");
            }

            public void Dispose() => _kernel.Close(Fd);
        }
        """;

    [Fact]
    public Task Clean_unusual_code_gives_no_diagnostic_and_no_exception()
        => Vfio003.AnalyzeAsync(new[] { Program, Types }, OutputKind.ConsoleApplication);

    [Fact]
    public Task Bugs_inside_async_iterator_lambda_and_generic_code_are_found()
        => Vfio003.AnalyzeAsync("""
            using System;
            using System.Collections.Generic;
            using System.Threading.Tasks;

            sealed class VdpaDevice
            {
                public string Name = "";
                public int DeviceFd;

                public void Bind(IKernel kernel) => DeviceFd = kernel.Open(Name);
            }

            sealed class Holder<T>
            {
                public int {|#0:Fd|};
                public T? Value;

                public int Get() => Fd;
            }

            static class Uses
            {
                public static async Task<int> OpenAsync(IKernel kernel, string name)
                {
                    var device = new VdpaDevice { Name = name };
                    await Task.Yield();
                    return kernel.Close({|#1:device.DeviceFd|});
                }

                public static IEnumerable<int> Fds(string name)
                {
                    var device = new VdpaDevice { Name = name };
                    yield return {|#2:device.DeviceFd|};
                }

                public static Func<int> Later(IKernel kernel) => () =>
                {
                    var device = new VdpaDevice { Name = "late" };
                    return kernel.Close({|#3:device.DeviceFd|});
                };

                public static int Generic<T>(Holder<T> holder) => holder.Fd;
            }
            """,
            Vfio003.At(0).WithArguments("Fd", "nothing assigns it"),
            Vfio003.At(1).WithArguments("DeviceFd", "the VdpaDevice created at line 25 still has it at 0 on a path to this read"),
            Vfio003.At(2).WithArguments("DeviceFd", "the VdpaDevice created at line 32 still has it at 0 on a path to this read"),
            Vfio003.At(3).WithArguments("DeviceFd", "the VdpaDevice created at line 38 still has it at 0 on a path to this read"));

    [Fact]
    public async Task Code_that_does_not_compile_does_not_crash_the_analyzer()
    {
        // What an editor sees mid-keystroke: unknown types and members, missing arguments,
        // half-written statements. Which diagnostics such code gets is arbitrary; an analyzer
        // exception is not acceptable.
        const string broken = """
            sealed class Device
            {
                private int _fd;
                private Missing _other;
                public int GroupFd { get; set }

                public Device(IKernel kernel, Unknown u) : this(
                {
                    _fd = kernel.Open(;
                    _fd = u.Open() ? : ;
                    var d = new Device { GroupFd = , Nope = 3 };
                    var e = new Nowhere { Fd = 1 };
                    e.Fd.Close(;
                    kernel.Close(d.GroupFd
                }

                public int Read() => _fd +
            }

            struct Half
            {
                public int Fd
                public Half(int x) => Fd = x;
            }

            static class Use
            {
                public static int M(IKernel kernel) { var h = default(Half); h.Fd = ; return kernel.Close(h.Fd) }
                public static int N() => new Device().UnknownFd;
                public static void O(out int fd) { }
                public static void P() { O(out new Device().GroupFd); }
                public static void Q() { var x = new Device { _fd = }; x. }
            }
            """;
        var parse = new Microsoft.CodeAnalysis.CSharp.CSharpParseOptions(Microsoft.CodeAnalysis.CSharp.LanguageVersion.Latest);
        var compilation = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create(
            "Broken",
            new[] { broken, Vfio003.SupportFile }.Select(text => Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(text, parse)),
            Basic.Reference.Assemblies.Net80.References.All,
            new Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
        var exceptions = new List<Exception>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            (exception, _, _) => exceptions.Add(exception),
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false);
        var diagnostics = await compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new VfioSharp.Analyzers.FileDescriptors.FileDescriptorLeftAtZeroAnalyzer()), options)
            .GetAllDiagnosticsAsync();

        Assert.Contains(diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Empty(exceptions);
        Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
    }
}
