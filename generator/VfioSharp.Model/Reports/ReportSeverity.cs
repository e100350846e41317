namespace VfioSharp.Model.Reports
{
    /// <summary>How serious a scanner finding is.</summary>
    public enum ReportSeverity
    {
        /// <summary>Worth knowing; the model is still right.</summary>
        Warning,

        /// <summary>The model would be wrong or incomplete: no model is written.</summary>
        Error,
    }
}
