using System.Collections.Generic;
using System.Globalization;

namespace VfioSharp.Model.Diffs
{
    /// <summary>Collects the properties of one element that differ between two models.</summary>
    internal sealed class PropertyComparison
    {
        private readonly bool _includeDocumentation;
        private readonly List<PropertyChange> _changes = new List<PropertyChange>();

        public PropertyComparison(bool includeDocumentation) => _includeDocumentation = includeDocumentation;

        public IReadOnlyList<PropertyChange> Changes => _changes;

        public bool AbiRelevant
        {
            get
            {
                foreach (var change in _changes)
                {
                    if (change.AbiRelevant)
                    {
                        return true;
                    }
                }

                return false;
            }
        }

        /// <summary>Records <paramref name="property"/> if the values differ; returns whether they did.</summary>
        public bool Compare(string property, string? oldValue, string? newValue, bool abiRelevant)
        {
            if (string.Equals(oldValue, newValue, System.StringComparison.Ordinal))
            {
                return false;
            }

            _changes.Add(new PropertyChange(property, oldValue, newValue, abiRelevant));
            return true;
        }

        public bool Compare(string property, long oldValue, long newValue, bool abiRelevant) =>
            oldValue != newValue && Compare(property, Number(oldValue), Number(newValue), abiRelevant);

        public bool Compare(string property, long? oldValue, long? newValue, bool abiRelevant) =>
            oldValue != newValue && Compare(property, oldValue.HasValue ? Number(oldValue.Value) : null, newValue.HasValue ? Number(newValue.Value) : null, abiRelevant);

        public bool Compare(string property, bool oldValue, bool newValue, bool abiRelevant) =>
            oldValue != newValue && Compare(property, oldValue ? "true" : "false", newValue ? "true" : "false", abiRelevant);

        /// <summary>Documentation text: compared only when the diff was asked to include it, never ABI-relevant.</summary>
        public void CompareDoc(string? oldDoc, string? newDoc)
        {
            if (_includeDocumentation)
            {
                Compare(PropertyChange.DocProperty, oldDoc, newDoc, abiRelevant: false);
            }
        }

        public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
