using System.Diagnostics;
using VfioSharp.KernelSuite;

// The runtime's suite on the real kernel of a tests/kernel guest. It prints "EXPECT <n>" first (the guest's /init
// fails the payload when fewer than n PASS/FAIL lines follow, e.g. after a crash), then one PASS/FAIL line per
// scenario; the exit status is 0 when every scenario passed.
// The sharing scenario runs this binary again as its worker process (SharingScenarios).
if (args is [SharingScenarios.WorkerArgument, var brokerSocket])
{
    return SharingScenarios.Worker(brokerSocket);
}

if (GuestEnvironment.Read(out var problem) is not { } guest)
{
    Console.WriteLine($"EXPECT 1");
    Console.WriteLine($"FAIL suite.environment {problem}");
    return 2;
}

var scenarios = Suite.For(guest);
Console.WriteLine($"EXPECT {scenarios.Count}");
Console.WriteLine($"VfioSharp kernel suite: kernel {guest.Kernel}, mode {guest.ModeName}, device {guest.Device}, {scenarios.Count} scenarios");
var failed = 0;
foreach (var scenario in scenarios)
{
    var start = Stopwatch.GetTimestamp();
    Outcome outcome;
    try
    {
        outcome = scenario.Run();
    }
#pragma warning disable CA1031 // Every failure of a scenario, whatever its type, is that scenario's FAIL line.
    catch (Exception e)
#pragma warning restore CA1031
    {
        outcome = new Outcome(false, $"{e.GetType().Name}: {e.Message}");
    }

    var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    failed += outcome.Passed ? 0 : 1;
    Console.WriteLine($"{(outcome.Passed ? "PASS" : "FAIL")} {scenario.Id} {outcome.Detail.ReplaceLineEndings(" ")} [{ms:F0} ms]");
}

Console.WriteLine($"VfioSharp kernel suite: {scenarios.Count - failed}/{scenarios.Count} passed ({guest.ModeName}, {guest.Kernel})");
return failed == 0 ? 0 : 1;
