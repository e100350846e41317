using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using VfioSharp.Model.Enums;
using VfioSharp.Model.Macros;

namespace VfioSharp.Model.Diffs
{
    /// <summary>Enums, enum constants and macros: the numbers a header defines.</summary>
    public static partial class ModelDiff
    {
        private static void CompareEnums(UapiModel oldModel, UapiModel newModel, bool includeDocumentation, List<ModelChange> changes)
        {
            // Anonymous enums have nothing to match them by but their constants, which are compared on their own.
            var oldEnums = oldModel.Enums.Where(enumModel => enumModel.Name is not null);
            var newEnums = newModel.Enums.Where(enumModel => enumModel.Name is not null);
            foreach (var (oldEnum, newEnum) in MatchByName(oldEnums, newEnums, enumModel => enumModel.Name!))
            {
                if (oldEnum is null || newEnum is null)
                {
                    var enumModel = (oldEnum ?? newEnum)!;
                    changes.Add(new ModelChange
                    {
                        Kind = oldEnum is null ? ChangeKind.Added : ChangeKind.Removed,
                        Element = ModelElementKind.Enum,
                        Name = enumModel.Name!,
                        Description = "(" + enumModel.UnderlyingType + ")",
                        AbiRelevant = false,
                    });
                    continue;
                }

                var properties = new PropertyComparison(includeDocumentation);
                properties.Compare("underlyingType", oldEnum.UnderlyingType, newEnum.UnderlyingType, abiRelevant: true);
                properties.Compare("signed", oldEnum.Signed, newEnum.Signed, abiRelevant: true);
                properties.CompareDoc(oldEnum.Doc, newEnum.Doc);
                AddChange(changes, ModelElementKind.Enum, newEnum.Name!, properties);
            }
        }

        private static void CompareEnumConstants(UapiModel oldModel, UapiModel newModel, bool includeDocumentation, List<ModelChange> changes)
        {
            foreach (var (oldConstant, newConstant) in MatchByName(Constants(oldModel), Constants(newModel), constant => constant.Constant.Name))
            {
                if (oldConstant is null || newConstant is null)
                {
                    var constant = (oldConstant ?? newConstant)!;
                    changes.Add(new ModelChange
                    {
                        Kind = oldConstant is null ? ChangeKind.Added : ChangeKind.Removed,
                        Element = ModelElementKind.EnumConstant,
                        Name = constant.Constant.Name,
                        Description = "= " + constant.Value + " (" + constant.Owner + ")",
                        AbiRelevant = false,
                    });
                    continue;
                }

                var properties = new PropertyComparison(includeDocumentation);
                properties.Compare("value", oldConstant.Value, newConstant.Value, abiRelevant: true);
                properties.Compare("enum", oldConstant.Owner, newConstant.Owner, abiRelevant: true);
                properties.CompareDoc(oldConstant.Constant.Doc, newConstant.Constant.Doc);
                AddChange(changes, ModelElementKind.EnumConstant, newConstant.Constant.Name, properties);
            }
        }

        private static void CompareMacros(UapiModel oldModel, UapiModel newModel, bool includeDocumentation, List<ModelChange> changes)
        {
            foreach (var (oldMacro, newMacro) in MatchByName(oldModel.Macros, newModel.Macros, macro => macro.Name))
            {
                if (oldMacro is null || newMacro is null)
                {
                    var macro = (oldMacro ?? newMacro)!;
                    changes.Add(new ModelChange
                    {
                        Kind = oldMacro is null ? ChangeKind.Added : ChangeKind.Removed,
                        Element = ModelElementKind.Macro,
                        Name = macro.Name,
                        Description = "= " + MacroValue(macro) + " (" + macro.Type + ")",
                        AbiRelevant = false,
                    });
                    continue;
                }

                var properties = new PropertyComparison(includeDocumentation);
                properties.Compare("kind", Spelling(oldMacro.Kind), Spelling(newMacro.Kind), abiRelevant: true);
                properties.Compare("type", oldMacro.Type, newMacro.Type, abiRelevant: true);
                properties.Compare("value", MacroValue(oldMacro), MacroValue(newMacro), abiRelevant: true);
                properties.CompareDoc(oldMacro.Doc, newMacro.Doc);
                AddChange(changes, ModelElementKind.Macro, newMacro.Name, properties);
            }
        }

        /// <summary>Every enumerator with its enum and its value spelled per the enum's signedness.</summary>
        private static IEnumerable<OwnedConstant> Constants(UapiModel model) =>
            model.Enums.SelectMany(enumModel => enumModel.Constants.Select(constant => new OwnedConstant(
                constant,
                enumModel.Name is null ? "anonymous enum" : "enum " + enumModel.Name,
                enumModel.Signed ? PropertyComparison.Number(constant.Value) : unchecked((ulong)constant.Value).ToString(CultureInfo.InvariantCulture))));

        /// <summary>An integer as C computes it (unsigned types spelled unsigned), or a quoted string.</summary>
        private static string MacroValue(MacroModel macro) =>
            macro.Kind == MacroKind.String
                ? "\"" + (macro.StringValue ?? string.Empty).Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n") + "\""
                : macro.Signed ? PropertyComparison.Number(macro.IntegerValue) : unchecked((ulong)macro.IntegerValue).ToString(CultureInfo.InvariantCulture);

        private sealed record OwnedConstant(EnumConstantModel Constant, string Owner, string Value);
    }
}
