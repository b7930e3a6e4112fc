using System.Text.Json;
using Handoff.Leads;

namespace Handoff.Scoring;

/// <summary>The model a new workspace starts with, so that leads are scored out of the box.</summary>
public static class DefaultScoringModel
{
    public static ScoringDocument Document { get; } = new()
    {
        Name = "Built-in default",
        Description = "Fit on company size, seniority and work email; intent from pricing, demo requests, comparisons and replies; engagement from content; 30-day half-life.",
        HalfLifeDays = 30,
        Grades = new FitGrades(50, 30, 15),
        FitRules =
        [
            Rule("mid-market-or-larger", 15, Condition("employeeCount", ConditionOperator.GreaterOrEqual, 200)),
            Rule("enterprise", 10, Condition("employeeCount", ConditionOperator.GreaterOrEqual, 1000)),
            Rule("decision-maker", 20, Condition("seniority", ConditionOperator.In, new[] { "CLevel", "VP", "Director" })),
            Rule("manager", 10, Condition("seniority", ConditionOperator.Equal, "Manager")),
            Rule("work-email", 10, Condition("isFreeMail", ConditionOperator.Equal, false), Condition("email", ConditionOperator.Exists, null)),
            Rule("has-phone", 5, Condition("phone", ConditionOperator.Exists, null)),
        ],
        NegativeRules =
        [
            Rule("student", -40, Condition("title", ConditionOperator.Contains, "student")),
            Rule("intern", -30, Condition("title", ConditionOperator.Contains, "intern")),
            Rule("job-seeker", -40, Condition("description", ConditionOperator.Contains, "job application")),
            Rule("unsubscribed", -20, Condition("emailConsent", ConditionOperator.Equal, false)),
        ],
        EngagementRules =
        [
            new EngagementRule { Id = "demo-request", Label = "Asked for a demo", ActivityTypes = ["DemoRequest"], Points = 40, Cap = 60, Intent = true },
            new EngagementRule { Id = "pricing-page", Label = "Pricing page", ActivityTypes = ["PageView"], UrlPattern = "/pricing", Points = 8, Cap = 30, Intent = true },
            new EngagementRule { Id = "pricing-3-in-30", Label = "Pricing page 3 times in 30 days", ActivityTypes = ["PageView"], UrlPattern = "/pricing", Points = 15, Count = 3, WindowDays = 30, Intent = true },
            new EngagementRule { Id = "comparison-page", Label = "Comparison page", ActivityTypes = ["PageView"], UrlPattern = "/(compare|vs|alternatives?)\\b", Points = 8, Cap = 20, Intent = true },
            new EngagementRule { Id = "sales-reply", Label = "Replied to sales", ActivityTypes = ["EmailReply"], Points = 20, Cap = 40, Intent = true },
            new EngagementRule { Id = "meeting", Label = "Meeting or call", ActivityTypes = ["Meeting", "Call"], Points = 15, Cap = 30, Intent = true },
            new EngagementRule { Id = "webinar", Label = "Webinar", ActivityTypes = ["WebinarRegistered", "WebinarAttended"], Points = 5, Cap = 15 },
            new EngagementRule { Id = "content", Label = "Content download", ActivityTypes = ["ContentDownload"], Points = 5, Cap = 15 },
            new EngagementRule { Id = "email-click", Label = "Email click", ActivityTypes = ["EmailClick"], Points = 2, Cap = 10 },
            new EngagementRule { Id = "blog-read", Label = "Blog read", ActivityTypes = ["PageView"], UrlPattern = "/blog/", Points = 1, Cap = 10 },
            new EngagementRule { Id = "careers-page", Label = "Careers page (job seeker)", ActivityTypes = ["PageView"], UrlPattern = "/(careers|jobs)\\b", Points = -10, Cap = 30 },
        ],
        Mql = new MqlBar { Fit = 30, Engagement = 30 },
    };

    private static FieldRule Rule(string id, int points, params LeadCondition[] when) => new() { Id = id, Points = points, When = when };

    private static LeadCondition Condition(string field, ConditionOperator op, object? value) => new()
    {
        Field = field,
        Operator = op,
        Value = value is null ? null : JsonSerializer.SerializeToElement(value),
    };
}
