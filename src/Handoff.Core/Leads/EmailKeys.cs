using Handoff.Hygiene;

namespace Handoff.Leads;

/// <summary>The key under which two emails count as the same person (case, plus-addressing, Gmail dots).</summary>
public static class EmailKeys
{
    public static string? Of(string? email) => EmailAddress.Normalize(email);
}
