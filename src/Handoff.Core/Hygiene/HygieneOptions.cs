namespace Handoff.Hygiene;

/// <summary>The <c>Handoff:Hygiene</c> configuration section.</summary>
public sealed class HygieneOptions
{
    public const string Section = "Handoff:Hygiene";

    /// <summary>
    /// A folder with newer copies of the hygiene data files. A file found here under the same relative name as a
    /// shipped one (for example <c>disposable-email-domains/index.json</c> or <c>keywords.json</c>) replaces the
    /// shipped copy; files not found here keep the shipped copy. Relative paths resolve against the working
    /// directory. Null or empty: only the shipped copies.
    /// </summary>
    public string? ListsDirectory { get; set; }
}
