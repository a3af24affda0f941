package validation
import ("testing";"time";"k8s.io/apimachinery/pkg/api/resource")
func TestQ(t *testing.T){
 for _, s := range []string{"1e300","9e18","1e1000","1E999999","999999999999999999999999999999999999e9999999","1Ei","0.000000000000000000000000000001"} {
  st:=time.Now(); q,err:=resource.ParseQuantity(s); if err!=nil {t.Log(s,err);continue}
  m:=resource.MustParse("1"); q.Cmp(m); str:=q.String(); t.Log(s, len(str), time.Since(st))
 }
}
