using Microsoft.CodeAnalysis;
using VfioSharp.Analyzers.Dma;
using VfioSharp.Analyzers.Ioctls;
using VfioSharp.Analyzers.Lifecycle;
using VfioSharp.Analyzers.Ioctls.SizeFields;
using VfioSharp.Analyzers.Results;

namespace VfioSharp.Analyzers.Tests.Ioctls;

/// <summary>Each ioctl, lifecycle and DMA rule over the unusual-code corpus: no internal error, no AD0001, no report.</summary>
public sealed class UnusualCodeCorpusTests
{
    [Fact]
    public Task VFIO004_is_silent_on_the_corpus()
        => IoctlRuleVerifier<IoctlMismatchAnalyzer>.VerifyAsync(UnusualCodeCorpus.Program, OutputKind.ConsoleApplication);

    [Fact]
    public Task VFIO004_survives_broken_code()
        => IoctlRuleVerifier<IoctlMismatchAnalyzer>.VerifyBrokenAsync(UnusualCodeCorpus.Broken);

    [Fact]
    public Task VFIO005_is_silent_on_the_corpus()
        => IoctlRuleVerifier<SizeFieldAnalyzer>.VerifyAsync(UnusualCodeCorpus.Program, OutputKind.ConsoleApplication);

    [Fact]
    public Task VFIO005_survives_broken_code()
        => IoctlRuleVerifier<SizeFieldAnalyzer>.VerifyBrokenAsync(UnusualCodeCorpus.Broken);

    [Fact]
    public Task VFIO008_is_silent_on_the_corpus()
        => IoctlRuleVerifier<IgnoredResultAnalyzer>.VerifyAsync(UnusualCodeCorpus.Program, OutputKind.ConsoleApplication);

    [Fact]
    public Task VFIO008_survives_broken_code()
        => IoctlRuleVerifier<IgnoredResultAnalyzer>.VerifyBrokenAsync(UnusualCodeCorpus.Broken);

    [Fact]
    public Task VFIO006_is_silent_on_the_corpus()
        => IoctlRuleVerifier<LifecycleOrderAnalyzer>.VerifyAsync(UnusualCodeCorpus.Program, OutputKind.ConsoleApplication);

    [Fact]
    public Task VFIO006_survives_broken_code()
        => IoctlRuleVerifier<LifecycleOrderAnalyzer>.VerifyBrokenAsync(UnusualCodeCorpus.Broken);

    [Fact]
    public Task VFIO007_is_silent_on_the_corpus()
        => IoctlRuleVerifier<MovableMemoryAnalyzer>.VerifyAsync(UnusualCodeCorpus.Program, OutputKind.ConsoleApplication);

    [Fact]
    public Task VFIO007_survives_broken_code()
        => IoctlRuleVerifier<MovableMemoryAnalyzer>.VerifyBrokenAsync(UnusualCodeCorpus.Broken);
}
