using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using VfioSharp.Model.Records;

namespace VfioSharp.Model.Diffs
{
    /// <summary>
    /// What changed between two models of the same headers at two kernel versions: records and their
    /// fields, enums and their constants, macros and ioctls added, removed or changed, with changes that
    /// can alter what code exchanges with the kernel marked ABI-relevant (see
    /// <see cref="ModelChange.AbiRelevant"/>). Where an element is declared (its line) is not compared: it
    /// moves with every edit above it.
    /// </summary>
    public static partial class ModelDiff
    {
        /// <summary>
        /// Compares two models. Changes come grouped by <see cref="ModelElementKind"/> (records, fields, enums,
        /// constants, macros, ioctls); within a group by name, fields by record name and then in declaration
        /// order.
        /// </summary>
        /// <param name="oldModel">The model of the earlier headers.</param>
        /// <param name="newModel">The model of the later headers.</param>
        /// <param name="includeDocumentation">
        /// Whether kerneldoc text changes are differences too. Off by default: comments are rewritten
        /// far more often than anything a program depends on.
        /// </param>
        public static IReadOnlyList<ModelChange> Compare(UapiModel oldModel, UapiModel newModel, bool includeDocumentation = false)
        {
            if (oldModel is null)
            {
                throw new ArgumentNullException(nameof(oldModel));
            }

            if (newModel is null)
            {
                throw new ArgumentNullException(nameof(newModel));
            }

            var changes = new List<ModelChange>();
            var commonRecords = CompareRecords(oldModel, newModel, includeDocumentation, changes);
            foreach (var (oldRecord, newRecord) in commonRecords)
            {
                CompareFields(oldRecord, newRecord, includeDocumentation, changes);
            }

            CompareEnums(oldModel, newModel, includeDocumentation, changes);
            CompareEnumConstants(oldModel, newModel, includeDocumentation, changes);
            CompareMacros(oldModel, newModel, includeDocumentation, changes);
            CompareIoctls(oldModel, newModel, includeDocumentation, changes);
            return changes;
        }

        /// <summary>Compares the records and returns the pairs both models have, by name.</summary>
        private static List<(RecordModel Old, RecordModel New)> CompareRecords(UapiModel oldModel, UapiModel newModel, bool includeDocumentation, List<ModelChange> changes)
        {
            var common = new List<(RecordModel, RecordModel)>();
            foreach (var (oldRecord, newRecord) in MatchByName(oldModel.Records, newModel.Records, record => record.Name))
            {
                if (oldRecord is null || newRecord is null)
                {
                    var record = (oldRecord ?? newRecord)!;
                    changes.Add(new ModelChange
                    {
                        Kind = oldRecord is null ? ChangeKind.Added : ChangeKind.Removed,
                        Element = ElementOf(record),
                        Name = record.Name,
                        Description = string.Format(CultureInfo.InvariantCulture, "(size {0}, alignment {1})", record.Size, record.Alignment),
                        AbiRelevant = false,
                    });
                    continue;
                }

                common.Add((oldRecord, newRecord));
                var properties = new PropertyComparison(includeDocumentation);
                properties.Compare("kind", Spelling(oldRecord.Kind), Spelling(newRecord.Kind), abiRelevant: true);
                properties.Compare("size", oldRecord.Size, newRecord.Size, abiRelevant: true);
                properties.Compare("alignment", oldRecord.Alignment, newRecord.Alignment, abiRelevant: true);
                properties.Compare("packed", oldRecord.Packed, newRecord.Packed, abiRelevant: true);
                // The caller stores the record's size there: a new or lost size field changes how it is called.
                properties.Compare("sizeField", oldRecord.SizeField, newRecord.SizeField, abiRelevant: true);
                properties.Compare("anonymous", oldRecord.Anonymous, newRecord.Anonymous, abiRelevant: false);
                properties.Compare("parent", oldRecord.Parent, newRecord.Parent, abiRelevant: false);
                properties.CompareDoc(oldRecord.Doc, newRecord.Doc);
                AddChange(changes, ElementOf(newRecord), newRecord.Name, properties);
            }

            return common;
        }

        private static void CompareFields(RecordModel oldRecord, RecordModel newRecord, bool includeDocumentation, List<ModelChange> changes)
        {
            var oldFields = FirstByName(oldRecord.Fields, field => field.Name);
            var newNames = new HashSet<string>(newRecord.Fields.Select(field => field.Name), StringComparer.Ordinal);
            foreach (var newField in newRecord.Fields)
            {
                var name = newRecord.Name + "." + newField.Name;
                if (!oldFields.TryGetValue(newField.Name, out var oldField))
                {
                    changes.Add(new ModelChange
                    {
                        Kind = ChangeKind.Added,
                        Element = ModelElementKind.Field,
                        Name = name,
                        Description = Describe(newField),
                        AbiRelevant = !CoveredBy(newField, oldRecord.Fields),
                    });
                    continue;
                }

                var properties = new PropertyComparison(includeDocumentation);
                properties.Compare("offset", oldField.Offset, newField.Offset, abiRelevant: true);
                properties.Compare("size", oldField.Size, newField.Size, abiRelevant: true);
                if (!properties.Compare("type", oldField.Type, newField.Type, abiRelevant: true))
                {
                    // The same spelling can still mean another type when a typedef changed; a changed
                    // spelling already implies these, so they are compared only when it is the same.
                    properties.Compare("canonicalElementType", oldField.CanonicalElementType, newField.CanonicalElementType, abiRelevant: true);
                    properties.Compare("elementCategory", Spelling(oldField.ElementCategory), Spelling(newField.ElementCategory), abiRelevant: true);
                    properties.Compare("elementSize", oldField.ElementSize, newField.ElementSize, abiRelevant: true);
                    properties.Compare("signed", oldField.Signed, newField.Signed, abiRelevant: true);
                    properties.Compare("arrayDimensions", Dimensions(oldField), Dimensions(newField), abiRelevant: true);
                }

                properties.Compare("flexible", oldField.Flexible, newField.Flexible, abiRelevant: true);
                properties.Compare("bitOffset", oldField.BitOffset, newField.BitOffset, abiRelevant: true);
                properties.Compare("bitWidth", oldField.BitWidth, newField.BitWidth, abiRelevant: true);
                // Moving a field into or out of an anonymous member keeps its bytes: C code names it the same.
                properties.Compare("anonymousRecord", oldField.AnonymousRecord, newField.AnonymousRecord, abiRelevant: false);
                properties.CompareDoc(oldField.Doc, newField.Doc);
                AddChange(changes, ModelElementKind.Field, name, properties);
            }

            foreach (var oldField in oldRecord.Fields)
            {
                if (!newNames.Contains(oldField.Name))
                {
                    changes.Add(new ModelChange
                    {
                        Kind = ChangeKind.Removed,
                        Element = ModelElementKind.Field,
                        Name = oldRecord.Name + "." + oldField.Name,
                        Description = Describe(oldField),
                        AbiRelevant = !CoveredBy(oldField, newRecord.Fields),
                    });
                }
            }
        }

        /// <summary>
        /// Whether every bit of <paramref name="field"/> belongs to some field of <paramref name="others"/>:
        /// a field added over bytes the record already had a field for (a new arm of a union) changes no
        /// layout, while one over padding or past the old end does (old code may leave anything there). A
        /// flexible array has no bytes of its own and always counts as a layout change.
        /// </summary>
        private static bool CoveredBy(FieldModel field, IReadOnlyList<FieldModel> others)
        {
            var (start, end) = Bits(field);
            if (start == end)
            {
                return false;
            }

            // Walk the others' bit ranges in order and extend the covered prefix from the field's first bit.
            var covered = start;
            foreach (var (otherStart, otherEnd) in others.Select(Bits).OrderBy(range => range.Start))
            {
                if (otherStart > covered)
                {
                    break;
                }

                covered = Math.Max(covered, otherEnd);
                if (covered >= end)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The bits a field occupies, from the start of its record, end exclusive.</summary>
        private static (long Start, long End) Bits(FieldModel field) =>
            field.BitOffset.HasValue && field.BitWidth.HasValue
                ? (field.BitOffset.Value, field.BitOffset.Value + field.BitWidth.Value)
                : (field.Offset * 8, (field.Offset + field.Size) * 8);

        /// <summary><c>@16 (__aligned_u64)</c>; a bitfield adds its width and first bit.</summary>
        private static string Describe(FieldModel field)
        {
            var text = "@" + PropertyComparison.Number(field.Offset) + " (" + field.Type;
            if (field.BitWidth.HasValue)
            {
                text += string.Format(CultureInfo.InvariantCulture, " : {0}, bit {1}", field.BitWidth.Value, field.BitOffset ?? 0);
            }

            return text + ")";
        }

        private static string Dimensions(FieldModel field) =>
            "[" + string.Join(", ", field.ArrayDimensions.Select(PropertyComparison.Number)) + "]";

        private static ModelElementKind ElementOf(RecordModel record) => record.Kind == RecordKind.Union ? ModelElementKind.Union : ModelElementKind.Struct;

        private static void AddChange(List<ModelChange> changes, ModelElementKind element, string name, PropertyComparison properties)
        {
            if (properties.Changes.Count > 0)
            {
                changes.Add(new ModelChange
                {
                    Kind = ChangeKind.Changed,
                    Element = element,
                    Name = name,
                    Properties = properties.Changes,
                    AbiRelevant = properties.AbiRelevant,
                });
            }
        }

        /// <summary>
        /// Pairs the elements of two lists by name, sorted by name (ordinal): (old, null) for a removed one,
        /// (null, new) for an added one. A name listed twice keeps its first element.
        /// </summary>
        private static IEnumerable<(T? Old, T? New)> MatchByName<T>(IEnumerable<T> oldItems, IEnumerable<T> newItems, Func<T, string> name)
            where T : class
        {
            var oldByName = FirstByName(oldItems, name);
            var newByName = FirstByName(newItems, name);
            var names = new SortedSet<string>(oldByName.Keys, StringComparer.Ordinal);
            names.UnionWith(newByName.Keys);
            foreach (var key in names)
            {
                oldByName.TryGetValue(key, out var oldItem);
                newByName.TryGetValue(key, out var newItem);
                yield return (oldItem, newItem);
            }
        }

        private static Dictionary<string, T> FirstByName<T>(IEnumerable<T> items, Func<T, string> name)
        {
            var byName = new Dictionary<string, T>(StringComparer.Ordinal);
            foreach (var item in items)
            {
                var key = name(item);
                if (!byName.ContainsKey(key))
                {
                    byName.Add(key, item);
                }
            }

            return byName;
        }

        /// <summary>An enum value spelled as the model file spells it.</summary>
        private static string Spelling<TEnum>(TEnum value)
            where TEnum : struct, Enum => Json.ModelJsonWriter.Camel(value);
    }
}
