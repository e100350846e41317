namespace VfioSharp.Cli;

/// <summary>The <c>vfiosharp</c> command: dispatches to its subcommands.</summary>
internal static class CommandLine
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            output.WriteLine(UsageText);
            return Task.FromResult(args.Length == 0 ? Usage : Success);
        }

        var rest = args[1..];
        return Task.FromResult(args[0] switch
        {
            "scan" => ScanCommand.Run(rest, output, error),
            "diff" => DiffCommand.Run(rest, output, error),
            "emit" => EmitCommand.Run(rest, output, error),
            _ => Fail(error, $"unknown command '{args[0]}'"),
        });
    }

    public static int Fail(TextWriter error, string message)
    {
        error.WriteLine("vfiosharp: " + message);
        error.WriteLine(UsageText);
        return Usage;
    }

    public const string UsageText = """
        usage:
          vfiosharp scan --root <include-root> --header <path> [--header <path> ...] --out <model.json> [--strict]
              Parse uapi headers (relative to the include root) with libclang and write the model.
              --strict: an ioctl whose argument can't be determined is an error.
          vfiosharp diff <old.json> <new.json> [--docs]
              What changed between two models; ABI-relevant changes are marked [ABI]. Exit code 0: no
              differences, 1: differences, 2: usage error or unreadable model. --docs: kerneldoc changes too.
          vfiosharp emit <model.json> --namespace <Namespace> --out <Bindings.cs> [--public]
              Write the C# that the generator emits for a model, as one file.
        """;
}
