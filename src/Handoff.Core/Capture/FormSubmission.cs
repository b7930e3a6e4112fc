using Handoff.Enrichment;
using Handoff.Leads;

namespace Handoff.Capture;

/// <summary>
/// Turns the fields of a form post into a lead: Salesforce Web-to-Lead names (<c>first_name</c>, <c>00N…</c> custom
/// fields, <c>retURL</c>), HubSpot property names (<c>firstname</c>, <c>jobtitle</c>, <c>hutk</c>), Handoff's own
/// names (<c>firstName</c>), and the form's own names through its field map. Unknown fields become custom fields.
/// </summary>
public static class FormSubmission
{
    /// <summary>A post read as lead details; <c>PostedAs</c> is the name each lead field was posted under (<c>email</c> ← <c>work_email</c>), compared without case.</summary>
    public sealed record Mapped(LeadDetails Details, bool HoneypotFilled, string? ReturnUrl, string? VisitorId, string? PageUrl, Dictionary<string, string> Properties, IReadOnlyDictionary<string, string> PostedAs)
    {
        /// <summary>
        /// <paramref name="error"/> with each lead field named as the form posted it (<c>lastname</c>, <c>work_phone</c>),
        /// so that the page or the script that posted it can find the field; other errors as they are.
        /// </summary>
        public Common.Error InPostedNames(Common.Error error) => error is Common.ValidationError validation
            ? new Common.ValidationError(validation.Fields.ToDictionary(f => PostedAs.GetValueOrDefault(f.Key, f.Key), f => f.Value))
            : error;
    }

    private static readonly Dictionary<string, Func<LeadDetails, string, LeadDetails>> Fields = new(StringComparer.OrdinalIgnoreCase)
    {
        ["firstName"] = (d, v) => d with { FirstName = v },
        ["lastName"] = (d, v) => d with { LastName = v },
        ["email"] = (d, v) => d with { Email = v },
        ["phone"] = (d, v) => d with { Phone = v },
        ["mobile"] = (d, v) => d with { Phone = d.Phone ?? v },
        ["company"] = (d, v) => d with { Company = v },
        ["title"] = (d, v) => d with { Title = v },
        ["website"] = (d, v) => d with { Website = v },
        ["industry"] = (d, v) => d with { Industry = v },
        ["employeeCount"] = (d, v) => d with { EmployeeCount = CompanySize.Parse(v) ?? d.EmployeeCount },
        ["country"] = (d, v) => d with { Country = v },
        ["state"] = (d, v) => d with { State = v },
        ["city"] = (d, v) => d with { City = v },
        ["description"] = (d, v) => d with { Description = v },
        ["source"] = (d, v) => d with { Source = v },
        ["channel"] = (d, v) => d with { Channel = v },
        ["campaign"] = (d, v) => d with { Campaign = v },
        ["utmSource"] = (d, v) => d with { UtmSource = v },
        ["utmMedium"] = (d, v) => d with { UtmMedium = v },
        ["utmCampaign"] = (d, v) => d with { UtmCampaign = v },
        ["utmTerm"] = (d, v) => d with { UtmTerm = v },
        ["utmContent"] = (d, v) => d with { UtmContent = v },
        ["emailConsent"] = (d, v) => d with { EmailConsent = d.EmailConsent == false ? false : ParseBool(v) ?? d.EmailConsent },

        // Web-to-Lead's "Email Opt Out" checkbox: checked withdraws consent (and wins over an opt-in); unchecked says nothing.
        ["emailOptOut"] = (d, v) => ParseBool(v) == true ? d with { EmailConsent = false } : d,
    };

    /// <summary>Other names for the fields above: Salesforce Web-to-Lead, HubSpot, common form builders.</summary>
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["first_name"] = "firstName", ["firstname"] = "firstName", ["fname"] = "firstName", ["given_name"] = "firstName",
        ["last_name"] = "lastName", ["lastname"] = "lastName", ["lname"] = "lastName", ["surname"] = "lastName", ["family_name"] = "lastName",
        ["e-mail"] = "email", ["email_address"] = "email", ["work_email"] = "email",
        ["phone_number"] = "phone", ["telephone"] = "phone", ["mobilephone"] = "mobile", ["mobile_phone"] = "mobile",
        ["company_name"] = "company", ["organization"] = "company", ["organisation"] = "company",
        ["jobtitle"] = "title", ["job_title"] = "title",
        ["url"] = "website", ["company_website"] = "website",
        ["employees"] = "employeeCount", ["numemployees"] = "employeeCount", ["company_size"] = "employeeCount",
        ["country_code"] = "country", ["state_code"] = "state", ["province"] = "state",
        ["lead_source"] = "source", ["leadsource"] = "source",
        ["message"] = "description", ["comments"] = "description",
        ["utm_source"] = "utmSource", ["utm_medium"] = "utmMedium", ["utm_campaign"] = "utmCampaign",
        ["utm_term"] = "utmTerm", ["utm_content"] = "utmContent",
        ["email_opt_in"] = "emailConsent", ["emailoptin"] = "emailConsent", ["consent"] = "emailConsent", ["gdpr_consent"] = "emailConsent",
        ["email_opt_out"] = "emailOptOut", ["hasOptedOutOfEmail"] = "emailOptOut",
    };

    /// <summary>Fields that steer the post rather than describe the person.</summary>
    private static readonly HashSet<string> Control = new(StringComparer.OrdinalIgnoreCase)
    {
        "retURL", "oid", "orgid", "encoding", "_charset_", "debug", "debugEmail", "submit", "captcha_settings", "g-recaptcha-response",
        "hutk", "visitorId", "visitor_id", "pageUri", "pageUrl", "page_url", "pageName", "ipAddress",
    };

    /// <summary>The lead fields a form post can fill, by Handoff's names.</summary>
    public static IEnumerable<string> LeadFields => Fields.Keys;

    /// <summary>A name that fills a lead field (<c>email</c>, <c>first_name</c>, <c>jobtitle</c>): what a form's field map may point at.</summary>
    /// <param name="name">A field name, compared without case.</param>
    public static bool IsLeadField(string name) => Fields.ContainsKey(name) || Aliases.ContainsKey(name);

    /// <summary>A name the post reads for itself (<c>retURL</c>, <c>visitor_id</c>, <c>_charset_</c>), never as a field of the person.</summary>
    /// <param name="name">A field name, compared without case.</param>
    public static bool SteersThePost(string name) => Control.Contains(name);

    public static Mapped Map(WebForm form, IEnumerable<KeyValuePair<string, string?>> fields)
    {
        var details = new LeadDetails { Source = form.Source ?? "Web form" };
        var custom = new Dictionary<string, string>(StringComparer.Ordinal);
        var properties = new Dictionary<string, string>(StringComparer.Ordinal) { ["form"] = form.Name };
        string? returnUrl = null, visitorId = null, pageUrl = null;
        var honeypot = false;
        var postedAs = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        // Field names are compared without case; the map read back from the database compares them with case.
        var fieldMap = new Dictionary<string, string>(form.FieldMap, StringComparer.OrdinalIgnoreCase);

        foreach (var (rawName, rawValue) in fields)
        {
            var name = rawName.Trim();
            var value = rawValue?.Trim();
            if (name.Length == 0)
            {
                continue;
            }

            if (string.Equals(name, form.HoneypotField, StringComparison.OrdinalIgnoreCase))
            {
                honeypot |= !string.IsNullOrEmpty(value);
                continue;
            }

            if (string.IsNullOrEmpty(value))
            {
                continue;
            }

            if (Control.Contains(name))
            {
                switch (name.ToLowerInvariant())
                {
                    case "returl": returnUrl = value; break;
                    case "hutk" or "visitorid" or "visitor_id": visitorId = value; break;
                    case "pageuri" or "pageurl" or "page_url": pageUrl = value; break;
                    case "pagename": properties["pageName"] = Clip(value, 200); break;
                }

                continue;
            }

            var target = fieldMap.TryGetValue(name, out var mapped) ? mapped : name;
            target = Aliases.TryGetValue(target, out var alias) ? alias : target;
            if (Fields.TryGetValue(target, out var set))
            {
                details = set(details, value);
                postedAs[target] = name;
            }
            else if (custom.Count < LeadDetails.MaxCustomFields)
            {
                // Salesforce custom field ids (00N…) and anything else the form collects.
                custom[Clip(name, 100)] = Clip(value, 2000);
            }
        }

        if (custom.Count > 0)
        {
            details = details with { CustomFields = custom };
        }

        return new Mapped(details, honeypot, returnUrl, visitorId, pageUrl, properties, postedAs);
    }

    /// <summary>
    /// A checkbox's value. A name posted twice arrives joined by commas (<c>0,1</c>): a hidden default before the box
    /// (Rails' <c>check_box</c>, many form builders), where the last value is the box, as Rack and PHP read it.
    /// </summary>
    private static bool? ParseBool(string value) => value[(value.LastIndexOf(',') + 1)..].Trim().ToLowerInvariant() switch
    {
        "true" or "on" or "yes" or "1" or "y" or "checked" => true,
        "false" or "off" or "no" or "0" or "n" => false,
        _ => null,
    };

    private static string Clip(string value, int max) => value.Length <= max ? value : value[..max];
}
