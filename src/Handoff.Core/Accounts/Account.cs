using Handoff.Common;

namespace Handoff.Accounts;

/// <summary>A company. Leads match to it by domain; it may have an owner who then gets its leads.</summary>
public sealed class Account
{
    private Account()
    {
    }

    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";

    /// <summary>Lower-case registrable domain (example.com); unique when set.</summary>
    public string? Domain { get; private set; }
    public string? Industry { get; private set; }
    public int? EmployeeCount { get; private set; }
    public string? Country { get; private set; }
    public Guid? OwnerUserId { get; private set; }
    public DateTime CreatedAt { get; private set; }

    public static Account Create(string name, string? domain, DateTime at, string? industry = null, int? employeeCount = null, string? country = null, Guid? ownerUserId = null) => new()
    {
        Id = Ids.NewId(),
        Name = name,
        Domain = domain?.Trim().ToLowerInvariant(),
        Industry = industry,
        EmployeeCount = employeeCount,
        Country = country,
        OwnerUserId = ownerUserId,
        CreatedAt = at,
    };
}
