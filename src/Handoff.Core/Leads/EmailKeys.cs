namespace Handoff.Leads;

/// <summary>The key under which two emails count as the same person.</summary>
public static class EmailKeys
{
    public static string? Of(string? email) => email?.Trim().ToLowerInvariant();
}
