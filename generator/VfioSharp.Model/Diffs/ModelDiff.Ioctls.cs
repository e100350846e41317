using System.Collections.Generic;
using System.Globalization;
using VfioSharp.Model.Ioctls;

namespace VfioSharp.Model.Diffs
{
    /// <summary>Ioctls: their request numbers and how they are called.</summary>
    public static partial class ModelDiff
    {
        private static void CompareIoctls(UapiModel oldModel, UapiModel newModel, bool includeDocumentation, List<ModelChange> changes)
        {
            foreach (var (oldIoctl, newIoctl) in MatchByName(oldModel.Ioctls, newModel.Ioctls, ioctl => ioctl.Name))
            {
                if (oldIoctl is null || newIoctl is null)
                {
                    var ioctl = (oldIoctl ?? newIoctl)!;
                    changes.Add(new ModelChange
                    {
                        Kind = oldIoctl is null ? ChangeKind.Added : ChangeKind.Removed,
                        Element = ModelElementKind.Ioctl,
                        Name = ioctl.Name,
                        Description = Describe(ioctl),
                        AbiRelevant = false,
                    });
                    continue;
                }

                var properties = new PropertyComparison(includeDocumentation);
                // direction, type, nr and size are the request decoded: a change shows in the request itself.
                properties.Compare("request", Request(oldIoctl.Request), Request(newIoctl.Request), abiRelevant: true);
                properties.Compare("fdKind", Spelling(oldIoctl.FdKind), Spelling(newIoctl.FdKind), abiRelevant: true);
                properties.Compare("argument", oldIoctl.Argument, newIoctl.Argument, abiRelevant: true);
                properties.Compare("argumentKind", Spelling(oldIoctl.ArgumentKind), Spelling(newIoctl.ArgumentKind), abiRelevant: true);
                properties.Compare("argumentDirection", Spelling(oldIoctl.ArgumentDirection), Spelling(newIoctl.ArgumentDirection), abiRelevant: true);
                properties.Compare("passing", Spelling(oldIoctl.Passing), Spelling(newIoctl.Passing), abiRelevant: true);
                properties.Compare("returns", Spelling(oldIoctl.Returns), Spelling(newIoctl.Returns), abiRelevant: true);
                properties.Compare("returnedFdKind", Spelling(oldIoctl.ReturnedFdKind), Spelling(newIoctl.ReturnedFdKind), abiRelevant: true);
                properties.Compare("replyProtocol", Spelling(oldIoctl.ReplyProtocol), Spelling(newIoctl.ReplyProtocol), abiRelevant: true);
                // Where the scanner learned the facts is not a fact about the ioctl.
                properties.Compare("argumentSource", Spelling(oldIoctl.ArgumentSource), Spelling(newIoctl.ArgumentSource), abiRelevant: false);
                if (includeDocumentation)
                {
                    // What the kerneldoc names is documentation, right or wrong.
                    properties.Compare("kerneldocArgument", oldIoctl.KerneldocArgument, newIoctl.KerneldocArgument, abiRelevant: false);
                }

                properties.CompareDoc(oldIoctl.Doc, newIoctl.Doc);
                AddChange(changes, ModelElementKind.Ioctl, newIoctl.Name, properties);
            }
        }

        /// <summary><c>= 0x3B90 on iommufd (iommu_viommu_alloc, inOut)</c>.</summary>
        private static string Describe(IoctlModel ioctl)
        {
            var argument = ioctl.Argument is null
                ? "no argument"
                : ioctl.Argument + (ioctl.ArgumentDirection.HasValue ? ", " + Spelling(ioctl.ArgumentDirection.Value) : string.Empty);
            return "= " + Request(ioctl.Request) + " on " + Spelling(ioctl.FdKind) + " (" + argument + ")";
        }

        private static string Request(ulong request) => "0x" + request.ToString("X", CultureInfo.InvariantCulture);

        private static string? Spelling<TEnum>(TEnum? value)
            where TEnum : struct, System.Enum => value.HasValue ? Spelling(value.Value) : null;
    }
}
