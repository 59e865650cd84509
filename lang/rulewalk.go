package lang

// walkRule visits the children of the nodes of automation rules and
// campaigns, in source order; see [Walk].
func walkRule(v Visitor, n Node) {
	switch n := n.(type) {
	case *RuleDecl:
		walkIdent(v, n.Name)
		for _, c := range n.Clauses {
			Walk(v, c)
		}
	case *TriggerClause:
		if n.Event != nil {
			Walk(v, n.Event)
		}
	case *EntranceClause:
		if n.Event != nil {
			Walk(v, n.Event)
		}
	case *Event:
		if n.Count != nil {
			Walk(v, n.Count)
		}
		walkIdent(v, n.Type)
		walkExpr(v, n.Where)
		if n.Length != nil {
			Walk(v, n.Length)
		}
		walkIdent(v, n.Since)
		if n.Schedule != nil {
			Walk(v, n.Schedule)
		}
	case *Schedule:
		if n.Cron != nil {
			Walk(v, n.Cron)
		}
		walkIdent(v, n.Day)
		if n.At != nil {
			Walk(v, n.At)
		}
		if n.Zone != nil {
			Walk(v, n.Zone)
		}
	case *SegmentClause:
		walkExpr(v, n.Cond)
	case *QualificationClause:
		walkIdent(v, n.Type)
		walkExpr(v, n.Where)
		if n.Limit != nil {
			Walk(v, n.Limit)
		}
	case *QualLimit:
		if n.Count != nil {
			Walk(v, n.Count)
		}
	case *LimitClause:
		if n.Count != nil {
			Walk(v, n.Count)
		}
		if n.Per != nil {
			Walk(v, n.Per)
		}
	case *BudgetClause:
		walkExpr(v, n.Value)
	case *GiveRewardClause:
		walkIdent(v, n.Reward)
	case *GiveOfferClause:
		walkIdent(v, n.Offer)
	case *SplitClause:
		if n.Seed != nil {
			Walk(v, n.Seed)
		}
		for _, a := range n.Arms {
			Walk(v, a)
		}
	case *SplitArm:
		walkIdent(v, n.Name)
		if n.Share != nil {
			Walk(v, n.Share)
		}
		walkIdent(v, n.Reward)
		walkIdent(v, n.Offer)
	case *SendClause:
		if n.Message != nil {
			Walk(v, n.Message)
		}
		for _, id := range n.With {
			walkIdent(v, id)
		}
	}
}
