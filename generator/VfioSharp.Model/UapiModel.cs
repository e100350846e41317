using System.Collections.Generic;
using VfioSharp.Model.Enums;
using VfioSharp.Model.HeaderSets;
using VfioSharp.Model.Ioctls;
using VfioSharp.Model.Macros;
using VfioSharp.Model.Records;
using VfioSharp.Model.Reports;

namespace VfioSharp.Model
{
    /// <summary>
    /// Everything the toolkit knows about one set of uapi headers: their records, enums, integer and
    /// string macros and ioctls, with sizes and offsets as the C compiler lays them out. Written by the
    /// scanner, read by the generator and the analyzers; the JSON schema is described in
    /// <c>generator/MODEL.md</c>.
    /// </summary>
    public sealed record UapiModel
    {
        /// <summary>The value of the <c>schema</c> property of every model file.</summary>
        public const string SchemaName = "vfiosharp.uapi-model";

        /// <summary>The schema version this library reads and writes. Bumped on any incompatible change.</summary>
        public const int CurrentSchemaVersion = 1;

        /// <summary>Schema version of this model.</summary>
        public int SchemaVersion { get; init; } = CurrentSchemaVersion;

        /// <summary>Which headers were scanned, how, and by what.</summary>
        public required HeaderSetInfo HeaderSet { get; init; }

        /// <summary>Every file the parse read, relative to the include root, with its SHA-256.</summary>
        public required IReadOnlyList<InputFile> Inputs { get; init; }

        /// <summary>Structs and unions, including anonymous nested ones (see <see cref="RecordModel.Anonymous"/>).</summary>
        public required IReadOnlyList<RecordModel> Records { get; init; }

        /// <summary>Enums, named and anonymous.</summary>
        public required IReadOnlyList<EnumModel> Enums { get; init; }

        /// <summary>Object-like macros that evaluate to an integer or a string (ioctl requests excluded).</summary>
        public required IReadOnlyList<MacroModel> Macros { get; init; }

        /// <summary>Object-like macros that could not be evaluated as an integer or string constant.</summary>
        public required IReadOnlyList<UnevaluatedMacro> UnevaluatedMacros { get; init; }

        /// <summary>Ioctl request macros with their decoded numbers and argument.</summary>
        public required IReadOnlyList<IoctlModel> Ioctls { get; init; }

        /// <summary>Findings of the scan that did not stop it: table/kerneldoc disagreements and the like.</summary>
        public required IReadOnlyList<ScanReport> Reports { get; init; }
    }
}
