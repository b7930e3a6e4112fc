using System.Net.Mail;
using Handoff.Common;

namespace Handoff.Leads;

/// <summary>
/// The person, company, attribution and consent fields of a lead: everything a client may write.
/// Stage, owner, scores and ids are not here on purpose: they change only through their own use cases.
/// </summary>
public record LeadDetails
{
    /// <summary>The longest description: Salesforce's (a long text area of 32,000 characters), so a migrated lead keeps its notes.</summary>
    public const int MaxDescription = 32_000;

    public string? FirstName { get; init; }
    public string? LastName { get; init; }
    public string? Email { get; init; }
    public string? Phone { get; init; }
    public string? Company { get; init; }
    public string? Title { get; init; }
    public string? Website { get; init; }
    public string? Industry { get; init; }
    public int? EmployeeCount { get; init; }
    public string? Country { get; init; }
    public string? State { get; init; }
    public string? City { get; init; }
    public string? Description { get; init; }
    public string? Source { get; init; }
    public string? Channel { get; init; }
    public string? Campaign { get; init; }
    public string? UtmSource { get; init; }
    public string? UtmMedium { get; init; }
    public string? UtmCampaign { get; init; }
    public string? UtmTerm { get; init; }
    public string? UtmContent { get; init; }
    public bool? EmailConsent { get; init; }
    public Dictionary<string, string>? CustomFields { get; init; }

    public const int MaxCustomFields = 100;

    /// <summary>Trims every text, turns blanks into nulls and drops control characters.</summary>
    public LeadDetails Normalize() => this with
    {
        FirstName = Clean(FirstName),
        LastName = Clean(LastName),
        Email = Clean(WithoutInvisibles(Email))?.ToLowerInvariant(),
        Phone = Clean(Phone),
        Company = Clean(Company),
        Title = Clean(Title),
        Website = Clean(Website),
        Industry = Clean(Industry),
        Country = Clean(Country),
        State = Clean(State),
        City = Clean(City),
        Description = Clean(Description, keepNewLines: true),
        Source = Clean(Source),
        Channel = Clean(Channel),
        Campaign = Clean(Campaign),
        UtmSource = Clean(UtmSource),
        UtmMedium = Clean(UtmMedium),
        UtmCampaign = Clean(UtmCampaign),
        UtmTerm = Clean(UtmTerm),
        UtmContent = Clean(UtmContent),
        CustomFields = CustomFields is null || CustomFields.Count == 0
            ? null
            : CustomFields.Where(f => !string.IsNullOrWhiteSpace(f.Value))
                .ToDictionary(f => f.Key.Trim(), f => Clean(f.Value, keepNewLines: true)!, StringComparer.Ordinal),
    };

    /// <summary>Checks a normalized record; adds one message per bad field.</summary>
    public void Validate(FieldErrors errors)
    {
        MaxLength(errors, "firstName", FirstName, 100);
        MaxLength(errors, "lastName", LastName, 100);
        MaxLength(errors, "email", Email, 254);
        MaxLength(errors, "phone", Phone, 40);
        MaxLength(errors, "company", Company, 200);
        MaxLength(errors, "title", Title, 200);
        MaxLength(errors, "website", Website, 500);
        MaxLength(errors, "industry", Industry, 100);
        MaxLength(errors, "country", Country, 100);
        MaxLength(errors, "state", State, 100);
        MaxLength(errors, "city", City, 100);
        MaxLength(errors, "description", Description, MaxDescription);
        MaxLength(errors, "source", Source, 100);
        MaxLength(errors, "channel", Channel, 100);
        MaxLength(errors, "campaign", Campaign, 200);
        MaxLength(errors, "utmSource", UtmSource, 200);
        MaxLength(errors, "utmMedium", UtmMedium, 200);
        MaxLength(errors, "utmCampaign", UtmCampaign, 200);
        MaxLength(errors, "utmTerm", UtmTerm, 200);
        MaxLength(errors, "utmContent", UtmContent, 200);

        if (Email is not null && !IsEmail(Email))
        {
            errors.Add("email", "must be an email address such as name@example.com");
        }

        if (Phone is not null && Phone.Count(char.IsAsciiDigit) < 4)
        {
            errors.Add("phone", "must contain at least 4 digits");
        }

        if (Website is not null && !IsWebsite(Website))
        {
            errors.Add("website", "must be a domain or an http(s) URL");
        }

        if (EmployeeCount is < 0 or > 10_000_000)
        {
            errors.Add("employeeCount", "must be between 0 and 10,000,000");
        }

        if (CustomFields is not null)
        {
            if (CustomFields.Count > MaxCustomFields)
            {
                errors.Add("customFields", $"at most {MaxCustomFields} custom fields (got {CustomFields.Count})");
            }

            foreach (var (key, value) in CustomFields)
            {
                if (key.Length is 0 or > 100)
                {
                    errors.Add("customFields", "names must be 1 to 100 characters");
                }
                else if (value.Length > 2000)
                {
                    errors.Add($"customFields.{key}", "must be at most 2000 characters");
                }
            }
        }

        if (Email is null && Phone is null && LastName is null && FirstName is null)
        {
            errors.Add("email", "a lead needs an email, a phone or a name");
        }
    }

    private static void MaxLength(FieldErrors errors, string field, string? value, int max)
    {
        if (value is not null && value.Length > max)
        {
            errors.Add(field, $"must be at most {max} characters (got {value.Length})");
        }
    }

    private static bool IsEmail(string value) =>
        MailAddress.TryCreate(value, out var address)
        && address.Address == value
        && address.Host.Contains('.', StringComparison.Ordinal)
        && !address.Host.EndsWith('.');

    private static bool IsWebsite(string value)
    {
        var candidate = value.Contains("://", StringComparison.Ordinal) ? value : "https://" + value;
        return Uri.TryCreate(candidate, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && uri.Host.Contains('.', StringComparison.Ordinal);
    }

    /// <summary>
    /// An address without the invisible format characters (zero-width space, joiners, byte order mark) that copying
    /// from a web page or a spreadsheet leaves in it: <c>zed\u200B@zw.com</c> is <c>zed@zw.com</c>, not a second person.
    /// </summary>
    private static string? WithoutInvisibles(string? value) =>
        value is null || !value.Any(c => char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format) ? value
            : string.Concat(value.Where(c => char.GetUnicodeCategory(c) != System.Globalization.UnicodeCategory.Format));

    private static string? Clean(string? value, bool keepNewLines = false)
    {
        if (value is null)
        {
            return null;
        }

        var hasControl = false;
        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                hasControl = true;
                break;
            }
        }

        if (hasControl)
        {
            value = string.Concat(value.Where(c => !char.IsControl(c) || (keepNewLines && c is '\n' or '\t')));
        }

        value = value.Trim();
        return value.Length == 0 ? null : value;
    }
}
