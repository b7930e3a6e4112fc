using Handoff.Hygiene;

namespace Handoff.Enrichment;

/// <summary>How senior a job title is; ordered, so a higher value is more senior.</summary>
public enum Seniority
{
    Unknown,
    Individual,
    Manager,
    Director,
    VP,
    CLevel,
}

/// <summary>The function a job title belongs to.</summary>
public enum Department
{
    Unknown,
    Other,
    Sales,
    Marketing,
    Engineering,
    IT,
    Finance,
    Operations,
    HR,
    Product,
    CustomerSuccess,
    Legal,
    Executive,
}

/// <summary>The seniority and department read from a job title.</summary>
public readonly record struct JobRole(Seniority Seniority, Department Department);

/// <summary>
/// Reads seniority and department from a free-text job title: abbreviations (CEO, SVP, Dir., Mgr, RevOps),
/// variants (Co-founder, Vice-President, Head of), and common German, French, Spanish and Portuguese titles
/// (Geschäftsführer, Directeur, Gerente). The title is folded (lower case, no accents, punctuation as spaces)
/// and scanned word by word for the longest known phrase; nothing is allocated.
/// </summary>
public static class JobTitle
{
    private const int MaxChars = 200;
    private const int MaxWords = 48;

    private static readonly Dictionary<string, Term> Terms = BuildTerms();
    private static readonly Dictionary<string, Term>.AlternateLookup<ReadOnlySpan<char>> TermLookup = Terms.GetAlternateLookup<ReadOnlySpan<char>>();

    [Flags]
    private enum TermKind
    {
        None = 0,

        /// <summary>CEO, CFO, ...: not a level when it follows "to", "of" or "for" ("Assistant to the CEO", "Office of the CFO").</summary>
        CLevelAcronym = 1,

        /// <summary>"Chief ...": C-level with "Officer" in the title, otherwise a director ("Chief Architect").</summary>
        Chief = 2,
        Officer = 4,

        /// <summary>Assistant, secretary: turns a C-level title into an individual one ("CEO Assistant").</summary>
        Assistant = 8,

        /// <summary>"Assistant to", "Executive Assistant", "Intern": individual whatever else the title says.</summary>
        Individual = 16,
    }

    /// <summary>Reads a title; an empty title is Unknown/Unknown, an unrecognised one Individual/Other.</summary>
    public static JobRole Parse(string? title)
    {
        if (string.IsNullOrWhiteSpace(title))
        {
            return new JobRole(Seniority.Unknown, Department.Unknown);
        }

        var source = title.AsSpan();
        if (source.Length > MaxChars)
        {
            source = source[..MaxChars];
        }

        Span<char> text = stackalloc char[TextFold.MaxOutput(source.Length)];
        text = text[..TextFold.Fold(source, text, dropDots: false)];
        if (text.IsEmpty)
        {
            return new JobRole(Seniority.Unknown, Department.Unknown);
        }

        Span<int> starts = stackalloc int[MaxWords];
        Span<int> ends = stackalloc int[MaxWords];
        var words = Split(text, starts, ends);

        var best = Seniority.Unknown;
        var kinds = TermKind.None;
        Department? functional = null;
        var executive = false;
        for (var i = 0; i < words;)
        {
            var matched = 0;
            for (var length = Math.Min(4, words - i); length > 0; length--)
            {
                if (TermLookup.TryGetValue(text[starts[i]..ends[i + length - 1]], out var term))
                {
                    var countsAsLevel = (term.Kind & TermKind.CLevelAcronym) == 0 || !FollowsPreposition(text, starts, ends, i);
                    if (countsAsLevel && term.Seniority > best)
                    {
                        best = term.Seniority;
                    }

                    kinds |= term.Kind;
                    if (term.Department == Department.Executive)
                    {
                        executive = true;
                    }
                    else if (term.Department != Department.Unknown)
                    {
                        functional ??= term.Department;
                    }

                    matched = length;
                    break;
                }
            }

            i += matched == 0 ? 1 : matched;
        }

        if ((kinds & TermKind.Chief) != 0)
        {
            var chief = (kinds & TermKind.Officer) != 0 ? Seniority.CLevel : Seniority.Director;
            best = chief > best ? chief : best;
        }

        if (words == 1 && text.SequenceEqual("partner"))
        {
            best = Seniority.CLevel;
            executive = true;
        }

        if ((kinds & TermKind.Individual) != 0 || ((kinds & TermKind.Assistant) != 0 && best == Seniority.CLevel))
        {
            best = Seniority.Individual;
        }

        var seniority = best == Seniority.Unknown ? Seniority.Individual : best;
        var department = functional ?? (executive ? Department.Executive : Department.Other);
        return new JobRole(seniority, department);
    }

    private static int Split(ReadOnlySpan<char> text, Span<int> starts, Span<int> ends)
    {
        var words = 0;
        var start = 0;
        for (var i = 0; i <= text.Length && words < starts.Length; i++)
        {
            if (i == text.Length || text[i] == ' ')
            {
                starts[words] = start;
                ends[words] = i;
                words++;
                start = i + 1;
            }
        }

        return words;
    }

    private static bool FollowsPreposition(ReadOnlySpan<char> text, ReadOnlySpan<int> starts, ReadOnlySpan<int> ends, int word)
    {
        if (word == 0)
        {
            return false;
        }

        var previous = text[starts[word - 1]..ends[word - 1]];
        if (previous.SequenceEqual("the") && word >= 2)
        {
            previous = text[starts[word - 2]..ends[word - 2]];
        }

        return previous.SequenceEqual("to") || previous.SequenceEqual("of") || previous.SequenceEqual("for");
    }

    private readonly record struct Term(Seniority Seniority, Department Department, TermKind Kind);

    private static Dictionary<string, Term> BuildTerms()
    {
        var terms = new Dictionary<string, Term>(StringComparer.Ordinal);

        void Add(Seniority seniority, Department department, TermKind kind, params string[] phrases)
        {
            foreach (var phrase in phrases)
            {
                terms[phrase] = new Term(seniority, department, kind);
            }
        }

        void Level(Seniority seniority, params string[] phrases) => Add(seniority, Department.Unknown, TermKind.None, phrases);
        void Dept(Department department, params string[] phrases) => Add(Seniority.Unknown, department, TermKind.None, phrases);

        // Departments. Multi-word phrases win over their first word ("product marketing" is Marketing, "sales ops" Sales).
        Dept(Department.Sales,
            "sales", "sale", "revops", "rev ops", "revenue", "revenue operations", "sales ops", "sales operations",
            "sales engineer", "sales engineering", "sales development", "business development", "bizdev", "biz dev", "bd",
            "bdr", "sdr", "inside sales", "field sales", "presales", "pre sales", "key account", "key accounts",
            "account management", "partnerships", "alliances", "commercial", "commerciale", "comercial", "vertrieb",
            "verkauf", "ventas", "vendas", "ventes", "vente", "desarrollo de negocio", "desarrollo de negocios");
        Dept(Department.Marketing,
            "marketing", "mktg", "mkt", "marketing ops", "marketing operations", "demand gen", "demand generation",
            "growth", "growth marketing", "brand", "branding", "content", "content marketing", "communications", "comms",
            "public relations", "pr", "seo", "sem", "ppc", "social media", "product marketing", "field marketing",
            "digital marketing", "performance marketing", "lead generation", "lead gen", "lead qualification",
            "lead management", "lead nurturing", "events", "event", "campaign", "campaigns", "copywriter", "abm",
            "martech", "marcom", "marcomm", "advertising", "mercadeo", "mercadotecnia", "mercadologia");
        Dept(Department.Engineering,
            "engineer", "engineers", "engineering", "eng", "engr", "engg", "developer", "developers", "software", "software development",
            "web development", "dev", "devs", "devops", "dev ops", "sre", "site reliability", "programmer", "r&d",
            "research and development", "research & development", "qa", "quality assurance", "data engineer",
            "data engineering", "data science", "data scientist", "machine learning", "ml", "ai", "architect",
            "architecture", "technical", "frontend", "front end", "backend", "back end", "fullstack", "full stack",
            "hardware", "firmware", "embedded", "entwickler", "entwicklung", "ingenieur", "ingeniero", "ingeniera",
            "desarrollador", "desarrolladora", "desenvolvedor", "developpeur");
        Dept(Department.IT,
            "it", "information technology", "information systems", "information security", "infosec", "cybersecurity",
            "cyber security", "security", "sysadmin", "system administrator", "systems administrator", "system admin",
            "systems", "network", "networks", "networking", "infrastructure", "helpdesk", "help desk", "service desk",
            "desktop support", "it support", "technology", "dba", "database administrator", "informatica",
            "informatique", "informatik", "sistemas", "tecnologia", "technologie", "edv", "erp", "ti");
        Dept(Department.Finance,
            "finance", "financial", "finances", "accounting", "accountant", "accounts payable", "accounts receivable",
            "controller", "controlling", "comptroller", "treasury", "treasurer", "fp&a", "fpa", "audit", "auditor", "tax",
            "billing", "bookkeeper", "bookkeeping", "investor relations", "finanzen", "finanzas", "financas",
            "contabilidad", "contabilidade", "contador", "contadora", "buchhaltung", "comptabilite", "financier");
        Dept(Department.Operations,
            "operations", "ops", "operating", "business operations", "bizops", "logistics", "supply chain", "procurement",
            "purchasing", "facilities", "administration", "admin", "administrative", "project management",
            "program management", "pmo", "manufacturing", "production",
            "warehouse", "fulfillment", "operaciones", "operacoes", "compras", "einkauf", "achats", "logistica", "logistik");
        Dept(Department.HR,
            "hr", "human resources", "human resource", "people", "people ops", "people operations", "people and culture",
            "people & culture", "talent", "talent acquisition", "recruiter", "recruiting", "recruitment", "personnel",
            "personalabteilung", "rrhh", "recursos humanos", "ressources humaines", "learning and development",
            "l&d", "training", "compensation", "benefits", "payroll", "hrbp", "employee experience");
        Dept(Department.Product,
            "product", "products", "product management", "product development", "ux", "ui", "ui ux",
            "ux ui", "user experience", "design", "designer", "product design", "produto", "producto", "produkt",
            "produit");
        Dept(Department.CustomerSuccess,
            "customer success", "success", "client success", "customer experience", "cx", "customer support",
            "customer service", "customer services", "customer care", "support", "client services", "client service",
            "onboarding", "implementation", "professional services", "csm", "customer operations", "kundenservice",
            "atencion al cliente", "servicio al cliente", "service client");
        Dept(Department.Legal,
            "legal", "counsel", "general counsel", "attorney", "lawyer", "paralegal", "compliance", "privacy",
            "data protection", "juridique", "juridico", "rechtsabteilung", "abogado", "abogada", "advogado",
            "advogada", "avocat", "jurist", "syndikus", "contracts");

        // C level: founders, owners, presidents, chief executives, and their German, French, Spanish and Portuguese names.
        Add(Seniority.CLevel, Department.Executive, TermKind.None,
            "founder", "founders", "cofounder", "co founder", "founding partner", "owner", "co owner", "coowner",
            "business owner", "president", "co president", "presidente", "presidenta", "chairman", "chairwoman",
            "chairperson", "managing director", "managing partner", "general partner", "senior partner",
            "equity partner", "c level", "c suite", "board member", "entrepreneur", "proprietor",
            "geschaftsfuhrer", "geschaftsfuhrerin", "geschaeftsfuehrer", "geschaeftsfuehrerin", "geschaftsfuhrender",
            "geschaftsfuhrende", "gesellschafter", "gesellschafterin", "inhaber", "inhaberin", "vorstand",
            "vorstandsvorsitzender", "grunder", "gruender", "grunderin", "mitgrunder", "fundador", "fundadora",
            "cofundador", "cofundadora", "co fundador", "co fundadora", "fondateur", "fondatrice", "cofondateur",
            "co fondateur", "pdg", "p d g", "directeur general", "directrice generale", "director general",
            "directora general", "director ejecutivo", "directora ejecutiva", "diretor executivo", "diretora executiva",
            "diretor geral", "diretora geral", "amministratore delegato", "propietario", "propietaria", "dueno", "duena",
            "proprietaire");
        Add(Seniority.CLevel, Department.Executive, TermKind.CLevelAcronym, "ceo", "cso", "cco", "cxo", "cbo");
        Add(Seniority.CLevel, Department.Engineering, TermKind.CLevelAcronym, "cto");
        Add(Seniority.CLevel, Department.Finance, TermKind.CLevelAcronym, "cfo");
        Add(Seniority.CLevel, Department.Operations, TermKind.CLevelAcronym, "coo");
        Add(Seniority.CLevel, Department.Marketing, TermKind.CLevelAcronym, "cmo", "cgo");
        Add(Seniority.CLevel, Department.Sales, TermKind.CLevelAcronym, "cro");
        Add(Seniority.CLevel, Department.IT, TermKind.CLevelAcronym, "cio", "ciso");
        Add(Seniority.CLevel, Department.Product, TermKind.CLevelAcronym, "cpo");
        Add(Seniority.CLevel, Department.HR, TermKind.CLevelAcronym, "chro");
        Add(Seniority.CLevel, Department.Legal, TermKind.CLevelAcronym, "clo");
        Add(Seniority.CLevel, Department.Unknown, TermKind.CLevelAcronym, "cdo", "cao");

        // "Chief ... Officer"; the words between give the department, these need a phrase of their own.
        Add(Seniority.Unknown, Department.Unknown, TermKind.Chief, "chief");
        Add(Seniority.CLevel, Department.Executive, TermKind.Chief, "chief executive");
        Add(Seniority.Unknown, Department.Engineering, TermKind.Chief, "chief technology", "chief technical");
        Add(Seniority.Unknown, Department.IT, TermKind.Chief, "chief information", "chief information security", "chief security");
        Add(Seniority.Unknown, Department.Operations, TermKind.Chief, "chief operating", "chief operations");
        Add(Seniority.Unknown, Department.CustomerSuccess, TermKind.Chief, "chief customer");
        Add(Seniority.Unknown, Department.Executive, TermKind.Chief, "chief strategy");
        Add(Seniority.Unknown, Department.Unknown, TermKind.Officer, "officer");
        Add(Seniority.Director, Department.Executive, TermKind.None, "chief of staff");

        // VP.
        Level(Seniority.VP,
            "vp", "svp", "evp", "avp", "v p", "s v p", "e v p", "vice president", "vicepresident", "vice presidente",
            "vicepresidente", "vice presidenta", "vicepresidenta", "vice pres", "executive vice president",
            "senior vice president", "assistant vice president", "associate vice president");

        // Director.
        Level(Seniority.Director,
            "director", "directors", "dir", "directeur", "directrice", "directora", "diretor", "diretora", "direktor",
            "direktorin", "direttore", "direttrice", "dyrektor", "head", "head of", "leiter", "leiterin",
            "abteilungsleiter", "abteilungsleiterin", "bereichsleiter", "bereichsleiterin", "associate director");
        Add(Seniority.Director, Department.Executive, TermKind.None, "executive director", "general manager", "gerente general");
        Add(Seniority.Director, Department.Sales, TermKind.None, "vertriebsleiter", "vertriebsleiterin", "verkaufsleiter", "verkaufsleiterin");
        Add(Seniority.Director, Department.Marketing, TermKind.None, "marketingleiter", "marketingleiterin");
        Add(Seniority.Director, Department.HR, TermKind.None, "personalleiter", "personalleiterin");
        Add(Seniority.Director, Department.Operations, TermKind.None, "einkaufsleiter", "betriebsleiter", "produktionsleiter");
        Add(Seniority.Director, Department.Engineering, TermKind.None, "entwicklungsleiter");
        Add(Seniority.Director, Department.Legal, TermKind.None, "director general counsel");

        // Manager ("Lead" alone is a level; "Lead Generation" is not: it has its own phrase above).
        Level(Seniority.Manager,
            "manager", "managers", "mgr", "mngr", "team lead", "team leader", "lead", "supervisor", "supervisora",
            "superintendent", "foreman", "gerente", "jefe", "jefa", "responsable", "teamleiter", "teamleiterin",
            "gruppenleiter", "gruppenleiterin", "assistant director");
        Add(Seniority.Manager, Department.Sales, TermKind.None, "account manager", "sales manager");
        Add(Seniority.Manager, Department.Operations, TermKind.None, "office manager", "project manager", "program manager");
        Add(Seniority.Manager, Department.Product, TermKind.None, "product manager", "chef de produit", "cheffe de produit");
        Add(Seniority.Manager, Department.Operations, TermKind.None, "chef de projet", "cheffe de projet");
        Level(Seniority.Manager, "chef de service", "cheffe de service", "chef dequipe", "cheffe dequipe");
        Add(Seniority.Manager, Department.Engineering, TermKind.None, "tech lead", "technical lead");
        Add(Seniority.Manager, Department.CustomerSuccess, TermKind.None, "technical account manager");

        // Individual contributors whose title contains a word of a higher level.
        Add(Seniority.Individual, Department.Sales, TermKind.None, "account executive", "sales executive");
        Add(Seniority.Individual, Department.Product, TermKind.None, "product owner");
        Add(Seniority.Individual, Department.Operations, TermKind.None, "process owner");
        Add(Seniority.Individual, Department.IT, TermKind.None, "service owner", "system owner");
        Add(Seniority.Individual, Department.Unknown, TermKind.None, "data owner");
        Add(Seniority.Individual, Department.Unknown, TermKind.Assistant,
            "assistant", "asistente", "assistente", "secretary", "secretaria", "sekretar", "sekretarin", "secretaire");
        Add(Seniority.Individual, Department.Unknown, TermKind.Individual,
            "assistant to", "assistant of", "executive assistant", "personal assistant", "administrative assistant",
            "admin assistant", "office assistant", "secretary to", "ea to", "intern", "internship", "trainee",
            "werkstudent", "werkstudentin", "praktikant", "praktikantin", "apprentice");

        return terms;
    }
}
